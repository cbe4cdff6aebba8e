// SPDX-License-Identifier: Apache-2.0
// The other half of capbox_lua.h: what a Lua error does without longjmp,
// and the C library functions WASI lacks.
// It runs where luaD_throw would have jumped to the protected call, with
// the error object on top of the stack (already a message with traceback
// when lua.c's handler ran). Depends on the Lua headers only.
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "lua.h"

_Noreturn void capbox_lua_throw(lua_State* L, int status) {
  const char* msg;
  if (status == LUA_YIELD)
    msg = "coroutine.yield needs longjmp, which wasm32-wasi lacks";
  else if (status == LUA_ERRMEM)
    msg = "not enough memory";
  else if (lua_type(L, -1) == LUA_TSTRING)
    msg = lua_tostring(L, -1);
  else
    msg = "(error object is not a string)";
  fflush(stdout);
  fprintf(stderr, "lua: %s\n", msg);
  exit(1);
}

// No shell: system(NULL) says so, any command fails.
int capbox_lua_system(const char* cmd) {
  if (cmd == NULL)
    return 0;
  errno = ENOSYS;
  return -1;
}

// No directory for anonymous temporary files.
FILE* capbox_lua_tmpfile(void) {
  errno = ENOTSUP;
  return NULL;
}
