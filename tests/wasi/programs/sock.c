// SPDX-License-Identifier: Apache-2.0
// Sockets: the listener capbox opened for -S tcplisten is fd 3 (no
// preopens). sock_accept (raw: wasi-libc of Debian 12 hides accept()),
// non-blocking accept with no client, then "ready" for the runner, which
// connects, sends a line and half-closes; recv (with MSG_PEEK), send and
// shutdown, and the errors on a non-socket and on the listener itself.
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"

enum { kListener = 3 };

static void show_type(int fd, const char* label) {
  struct stat st;
  SHOW(label, fstat(fd, &st));
  printf("  socket: %s\n", S_ISSOCK(st.st_mode) ? "yes" : "no");
  __wasi_fdstat_t fds;
  (void)!__wasi_fd_fdstat_get(fd, &fds);
  printf("  filetype %u (stream socket is %u)\n", fds.fs_filetype,
         __WASI_FILETYPE_SOCKET_STREAM);
}

static void talk(__wasi_fd_t conn) {
  char peek[6] = {0}, buf[128] = {0};
  SHOW("recv MSG_PEEK 5", recv(conn, peek, 5, MSG_PEEK));
  printf("  peeked [%s]\n", peek);
  size_t got = 0;
  ssize_t n;
  while ((n = recv(conn, buf + got, sizeof buf - 1 - got, 0)) > 0)
    got += (size_t)n;
  printf("recv until EOF: %zu bytes, last result %zd\n", got, n);
  char reply[160];
  int len = snprintf(reply, sizeof reply, "echo: %s", buf);
  printf("send: %zd\n", send(conn, reply, (size_t)len, 0));
  SHOW("shutdown SHUT_WR", shutdown(conn, SHUT_WR));
  SHOW("send after shutdown", send(conn, "x", 1, 0));
  SHOW_WASI("sock_shutdown bad how", __wasi_sock_shutdown(conn, 7));
  SHOW("close", close(conn));
}

int main(void) {
  show_type(kListener, "fstat listener");
  __wasi_fd_t conn;
  SHOW_WASI("fd_fdstat_set_flags NONBLOCK",
            __wasi_fd_fdstat_set_flags(kListener, __WASI_FDFLAGS_NONBLOCK));
  SHOW_WASI("sock_accept without a client",
            __wasi_sock_accept(kListener, 0, &conn));
  SHOW_WASI("fd_fdstat_set_flags 0", __wasi_fd_fdstat_set_flags(kListener, 0));
  SHOW("recv on the listener", recv(kListener, &conn, 1, 0));
  SHOW("send on stdout", send(1, "x", 1, 0));
  SHOW_WASI("sock_accept on stdout", __wasi_sock_accept(1, 0, &conn));
  SHOW_WASI("sock_accept on a bad fd", __wasi_sock_accept(42, 0, &conn));
  say("ready\n");
  SHOW_WASI("sock_accept", __wasi_sock_accept(kListener, 0, &conn));
  printf("  connection is fd %u\n", conn);
  show_type(conn, "fstat connection");
  talk(conn);
  return 0;
}
