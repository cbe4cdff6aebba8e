#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# httpd under its policy (the listen address moved to a free port) and
# under the README's flag form (-S tcplisten): real HTTP exchanges through
# http.client and a raw socket, status lines, headers and bodies checked,
# the server's log, and its exit after --max-requests. Every wait has a
# timeout: a hung server fails the test, it does not hang CI.
import http.client
import os
import socket
import subprocess
import time

import examples_common as common
from examples_common import policy, wasm

TIMEOUT = 10


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(t, args, cwd):
    return subprocess.Popen([common.CAPBOX] + args, cwd=cwd, env=t.env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def request(port, method, target, raw=None):
    """(status, reason, headers as a dict, body) or, with raw bytes, the
    whole response as bytes. Retries the connection while capbox starts."""
    deadline = time.monotonic() + TIMEOUT
    while True:
        try:
            if raw is not None:
                with socket.create_connection(("127.0.0.1", port),
                                              timeout=TIMEOUT) as s:
                    s.sendall(raw)
                    chunks = []
                    while chunk := s.recv(4096):
                        chunks.append(chunk)
                    return b"".join(chunks)
            conn = http.client.HTTPConnection("127.0.0.1", port,
                                              timeout=TIMEOUT)
            conn.request(method, target)
            resp = conn.getresponse()
            body = resp.read()
            conn.close()
            return resp.status, resp.reason, dict(resp.getheaders()), body
        except ConnectionRefusedError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def finish(t, name, proc, stdout):
    try:
        out, err = proc.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        t.result(name, ["did not exit after --max-requests (killed)"])
        return
    problems = []
    if proc.returncode != 0:
        problems.append(f"status {proc.returncode}")
    if out != stdout:
        problems.append(f"stdout {out!r}, expected {stdout!r}")
    if err:
        problems.append(f"stderr {err!r}")
    t.result(name, problems)


def check(t, name, got, status, ctype, body, extra=None):
    """A response's status, exact header set and body."""
    code, _, headers, data = got
    want = {"Server": "capbox-example-httpd", "Content-Type": ctype,
            "Content-Length": str(len(body)), "Connection": "close"}
    want.update(extra or {})
    problems = []
    if code != status:
        problems.append(f"status {code}, expected {status}")
    if headers != want:
        problems.append(f"headers {headers}, expected {want}")
    if data != body:
        problems.append(f"body {data[:200]!r}")
    t.result(name, problems)


def httpd(t):
    work = t.workdir("httpd", ["sample"])
    www = os.path.join(work, "examples", "httpd", "sample", "www")
    # Outside the grant: a symbolic link cannot lead there.
    os.symlink("/etc/passwd", os.path.join(www, "passwd"))
    with open(os.path.join(www, "index.html"), "rb") as f:
        index = f.read()
    with open(os.path.join(www, "docs", "notes.txt"), "rb") as f:
        notes = f.read()
    port = free_port()
    with open(policy("httpd")) as f:
        text = f.read()
    t.check("httpd: the policy listens on 127.0.0.1:8080",
            text.count('"127.0.0.1:8080"') == 1, "no single listen entry")
    moved = os.path.join(work, "httpd.toml")
    with open(moved, "w") as f:
        f.write(text.replace("127.0.0.1:8080", f"127.0.0.1:{port}"))
    proc = start(t, ["run", "--policy", moved, wasm("httpd"),
                     "--max-requests", "9"], work)
    html = "text/html; charset=utf-8"
    try:
        check(t, "httpd: GET / serves index.html",
              request(port, "GET", "/"), 200, html, index)
        # Raw: http.client would drop a body sent after HEAD unseen.
        raw = request(port, None, None,
                      raw=b"HEAD /docs/notes.txt HTTP/1.0\r\n\r\n")
        want = (b"HTTP/1.1 200 OK\r\nServer: capbox-example-httpd\r\n"
                b"Content-Type: text/plain; charset=utf-8\r\n"
                b"Content-Length: %d\r\nConnection: close\r\n\r\n"
                % len(notes))
        t.check("httpd: HEAD (HTTP/1.0): the file's length, no body",
                raw == want, repr(raw))
        check(t, "httpd: a missing file is 404",
              request(port, "GET", "/missing.html"), 404, html,
              b"<h1>404 Not Found</h1>\n")
        # The second stays inside /www: only httpd's own check refuses it.
        for target in ("/../httpd.toml", "/docs/%2e%2E/index.html"):
            check(t, f"httpd: {target} is 403, refused before any lookup",
                  request(port, "GET", target), 403, html,
                  b"<h1>403 Forbidden</h1>\n")
        check(t, "httpd: a link out of /www is 403 (the grant refuses it)",
              request(port, "GET", "/passwd"), 403, html,
              b"<h1>403 Forbidden</h1>\n")
        check(t, "httpd: a directory without its slash is redirected",
              request(port, "GET", "/docs"), 301, html, b"",
              {"Location": "/docs/"})
        check(t, "httpd: POST is 405 with Allow",
              request(port, "POST", "/"), 405, html,
              b"<h1>405 Method Not Allowed</h1>\n", {"Allow": "GET, HEAD"})
        raw = request(port, None, None, raw=b"NONSENSE\r\n\r\n")
        t.check("httpd: a malformed request is 400",
                raw.startswith(b"HTTP/1.1 400 Bad Request\r\n") and
                raw.endswith(b"\r\n\r\n<h1>400 Bad Request</h1>\n"), repr(raw))
    finally:
        finish(t, "httpd: logged each request, exited 0 after 9", proc,
               "httpd: serving /www on 1 listening socket\n"
               "GET / 200\nHEAD /docs/notes.txt 200\nGET /missing.html 404\n"
               "GET /../httpd.toml 403\nGET /docs/../index.html 403\n"
               "GET /passwd 403\nGET /docs 301\nPOST / 405\n"
               "NONSENSE - 400\n")
    flag_form(t, work, notes)


def flag_form(t, work, notes):
    """The README's other way: the grant and the socket from flags."""
    port = free_port()
    proc = start(t, ["run", "--dir", "examples/httpd/sample/www::/www::ro",
                     "-S", f"tcplisten=127.0.0.1:{port}", wasm("httpd"),
                     "--max-requests", "1"], work)
    try:
        check(t, "httpd: -S tcplisten: GET /docs/notes.txt",
              request(port, "GET", "/docs/notes.txt"), 200,
              "text/plain; charset=utf-8", notes)
    finally:
        finish(t, "httpd: -S tcplisten: exited 0 after 1 request", proc,
               "httpd: serving /www on 1 listening socket\n"
               "GET /docs/notes.txt 200\n")
