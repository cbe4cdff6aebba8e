-- SPDX-License-Identifier: Apache-2.0
-- Errors in the longjmp-less build (see capbox_lua.h): an error ends the
-- program with status 1 and the message, wherever it is raised, even
-- inside pcall. The argument picks the way to fail.
local how = arg[1]
print("before", how)
if how == "error" then
  local function inner() error("boom") end
  inner()
elseif how == "pcall" then
  print(pcall(error, "caught?"))
elseif how == "popen" then
  io.popen("ls")
elseif how == "tmpname" then
  os.tmpname()
elseif how == "yield" then
  local co = coroutine.wrap(function() coroutine.yield(1) end)
  co()
end
print("not reached")
