// SPDX-License-Identifier: Apache-2.0
// Force-included (-include) into every Lua 5.4 source when building the
// interpreter for wasm32-wasi, so the Debian sources stay untouched.
// wasm32-wasi has no setjmp/longjmp (capbox's engine has no exception
// handling), so a raised error cannot unwind: LUAI_THROW prints the error
// (with lua.c's traceback) to stderr and exits with status 1, and LUAI_TRY
// just runs its block. Scripts that raise no error run fully; pcall, load
// of bad text, and coroutine.yield end the program. WASI has no shell and
// no temporary directory: system() and tmpfile() are ours (os.execute
// reports no shell, io.tmpfile fails), os.tmpname fails, io.popen is the
// non-POSIX "not supported".
#pragma once

#include <unistd.h>

struct lua_State;
_Noreturn void capbox_lua_throw(struct lua_State* L, int status);

#define LUAI_THROW(L, c) capbox_lua_throw(L, (c)->status)
#define LUAI_TRY(L, c, a) \
  { a }
#define luai_jmpbuf int

#define system capbox_lua_system
#define tmpfile capbox_lua_tmpfile
#define LUA_TMPNAMBUFSIZE 32
#define lua_tmpnam(b, e) \
  {                      \
    (void)(b);           \
    e = 1;               \
  }
#define lua_stdin_is_tty() isatty(0)
