// SPDX-License-Identifier: Apache-2.0
// httpd: a small static-file HTTP/1.0 and 1.1 server (GET and HEAD, one
// request per connection) over the listening sockets capbox grants
// (-S tcplisten, or [net] listen in a policy). WASI cannot create or bind
// sockets, so it finds them as wasmtime's guests do: probing the
// descriptors after stdio for stream sockets it may accept on. Files come
// from /www (read-only is enough); `..` is refused before any lookup.
// `--max-requests N` ends it after N connections, so runs can finish.
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wasi/api.h>

enum { kMaxListeners = 16, kMaxHead = 8192 };

static const char* root = "/www";

// Descriptors are numbered in order (stdio, preopens, listeners), so the
// first unused number ends the search.
static int find_listeners(int* fds) {
  int n = 0;
  for (int fd = 3; n < kMaxListeners; fd++) {
    __wasi_fdstat_t st;
    if (__wasi_fd_fdstat_get(fd, &st) != 0)
      break;
    if (st.fs_filetype == __WASI_FILETYPE_SOCKET_STREAM &&
        (st.fs_rights_base & __WASI_RIGHTS_SOCK_ACCEPT))
      fds[n++] = fd;
  }
  return n;
}

static int send_all(int fd, const char* p, size_t n) {
  while (n > 0) {
    ssize_t sent = send(fd, p, n, 0);
    if (sent < 0 && errno == EINTR)
      continue;
    if (sent <= 0)
      return -1;
    p += sent;
    n -= (size_t)sent;
  }
  return 0;
}

static const char* content_type(const char* path) {
  static const char* const types[][2] = {
      {".html", "text/html; charset=utf-8"},
      {".htm", "text/html; charset=utf-8"},
      {".txt", "text/plain; charset=utf-8"},
      {".css", "text/css"},
      {".js", "text/javascript"},
      {".json", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
  };
  const char* dot = strrchr(path, '.');
  for (size_t i = 0; dot && i < sizeof types / sizeof types[0]; i++) {
    if (!strcmp(dot, types[i][0]))
      return types[i][1];
  }
  return "application/octet-stream";
}

// `extra`: more header lines, each ending in CRLF.
static void send_head(int fd,
                      int code,
                      const char* reason,
                      const char* type,
                      long long length,
                      const char* extra) {
  char head[8192];
  int n = snprintf(head, sizeof head,
                   "HTTP/1.1 %d %s\r\nServer: capbox-example-httpd\r\n"
                   "Content-Type: %s\r\nContent-Length: %lld\r\n"
                   "%sConnection: close\r\n\r\n",
                   code, reason, type, length, extra);
  if (n > 0 && n < (int)sizeof head)
    send_all(fd, head, (size_t)n);
}

static int send_error(int fd, int head_only, int code, const char* reason) {
  char body[128];
  int n = snprintf(body, sizeof body, "<h1>%d %s</h1>\n", code, reason);
  send_head(fd, code, reason, "text/html; charset=utf-8", n,
            code == 405 ? "Allow: GET, HEAD\r\n" : "");
  if (!head_only)
    send_all(fd, body, (size_t)n);
  return code;
}

static int hex(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

// Decodes %XX in place and cuts the query; -1 for a bad escape or a
// control character (a CR or LF would end up in a Location header).
static int decode_path(char* s) {
  char* out = s;
  for (char* in = s; *in && *in != '?' && *in != '#'; in++) {
    if (*in == '%') {
      int hi = hex(in[1]), lo = hi < 0 ? -1 : hex(in[2]);
      if (lo < 0 || hi < 2 || (hi == 7 && lo == 15))
        return -1;
      *out++ = (char)(hi * 16 + lo);
      in += 2;
    } else {
      *out++ = *in;
    }
  }
  *out = '\0';
  return 0;
}

static int has_dotdot(const char* path) {
  for (const char* p = path; (p = strstr(p, "..")); p += 2) {
    if ((p == path || p[-1] == '/') && (p[2] == '\0' || p[2] == '/'))
      return 1;
  }
  return 0;
}

static int serve_file(int fd, int head_only, const char* target) {
  char path[4096];
  struct stat st;
  snprintf(path, sizeof path, "%s%s", root, target);
  if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
    if (path[strlen(path) - 1] != '/') {
      // Relative links in its index.html resolve against the slash.
      char location[4200];
      snprintf(location, sizeof location, "Location: %s/\r\n", target);
      send_head(fd, 301, "Moved Permanently", "text/html; charset=utf-8", 0,
                location);
      return 301;
    }
    strncat(path, "index.html", sizeof path - strlen(path) - 1);
  }
  FILE* f = fopen(path, "rb");
  if (!f || fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
    const int err = errno;
    if (f)
      fclose(f);
    if (f || err == ENOENT || err == ENOTDIR)
      return send_error(fd, head_only, 404, "Not Found");
    if (err == ENOTCAPABLE || err == EACCES || err == EPERM)
      return send_error(fd, head_only, 403, "Forbidden");
    return send_error(fd, head_only, 500, "Internal Server Error");
  }
  send_head(fd, 200, "OK", content_type(path), (long long)st.st_size, "");
  char buf[16384];
  size_t got;
  while (!head_only && (got = fread(buf, 1, sizeof buf, f)) > 0) {
    if (send_all(fd, buf, got) != 0)
      break;
  }
  fclose(f);
  return 200;
}

// Reads the request head (up to the blank line); its length, or -1.
static int read_head(int fd, char* head) {
  int len = 0;
  while (len < kMaxHead - 1) {
    ssize_t got = recv(fd, head + len, (size_t)(kMaxHead - 1 - len), 0);
    if (got < 0 && errno == EINTR)
      continue;
    if (got <= 0)
      return -1;
    len += (int)got;
    head[len] = '\0';
    if (strstr(head, "\r\n\r\n") || strstr(head, "\n\n"))
      return len;
  }
  return -1;
}

static void handle(int fd) {
  static char head[kMaxHead];
  char method[16] = "-", target[4096] = "-", version[16] = "";
  int code;
  if (read_head(fd, head) < 0) {
    code = send_error(fd, 0, 400, "Bad Request");
  } else if (sscanf(head, "%15[A-Z] %4095[^ \r\n] %15[^ \r\n]", method, target,
                    version) != 3 ||
             strncmp(version, "HTTP/1.", 7) || target[0] != '/' ||
             decode_path(target) != 0) {
    code = send_error(fd, 0, 400, "Bad Request");
  } else if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
    code = send_error(fd, 0, 405, "Method Not Allowed");
  } else if (has_dotdot(target)) {
    code = send_error(fd, !strcmp(method, "HEAD"), 403, "Forbidden");
  } else {
    code = serve_file(fd, !strcmp(method, "HEAD"), target);
  }
  printf("%s %s %d\n", method, target, code);
  // Half-close first, so the client reads the whole response before EOF.
  shutdown(fd, SHUT_WR);
  close(fd);
}

// The next connection on any listener (poll when there are several).
static int next_connection(const int* fds, int n) {
  int ready = fds[0];
  if (n > 1) {
    struct pollfd p[kMaxListeners];
    for (int i = 0; i < n; i++)
      p[i] = (struct pollfd){.fd = fds[i], .events = POLLIN};
    while (poll(p, (nfds_t)n, -1) < 0) {
      if (errno != EINTR)
        return -1;
    }
    for (int i = n - 1; i >= 0; i--) {
      if (p[i].revents)
        ready = fds[i];
    }
  }
  int conn;
  do {
    conn = accept(ready, NULL, NULL);
  } while (conn < 0 && errno == EINTR);
  return conn;
}

int main(int argc, char** argv) {
  long max_requests = 0;  // 0: no limit
  for (int i = 1; i < argc; i++) {
    char* end;
    if (!strcmp(argv[i], "--max-requests") && i + 1 < argc) {
      max_requests = strtol(argv[++i], &end, 10);
      if (*end || max_requests < 1)
        max_requests = -1;
    } else if (!strcmp(argv[i], "--root") && i + 1 < argc) {
      root = argv[++i];
    } else {
      max_requests = -1;
    }
    if (max_requests < 0) {
      fprintf(stderr, "usage: httpd [--max-requests N] [--root DIR]\n");
      return 2;
    }
  }
  setvbuf(stdout, NULL, _IOLBF, 0);
  int fds[kMaxListeners];
  const int n = find_listeners(fds);
  if (n == 0) {
    fprintf(stderr,
            "httpd: no listening socket; grant one with "
            "-S tcplisten=127.0.0.1:8080 or [net] listen\n");
    return 1;
  }
  printf("httpd: serving %s on %d listening socket%s\n", root, n,
         n > 1 ? "s" : "");
  for (long served = 0; !max_requests || served < max_requests; served++) {
    const int conn = next_connection(fds, n);
    if (conn < 0) {
      fprintf(stderr, "httpd: accept: %s\n", strerror(errno));
      return 1;
    }
    handle(conn);
  }
  return 0;
}
