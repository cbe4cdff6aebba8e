-- SPDX-License-Identifier: Apache-2.0
-- Files in the read-write preopen /work (the runner puts input.txt there;
-- this script's own directory is /scripts, read-only): io.open modes,
-- read formats, lines, seek, append, os.rename, os.remove, and the errors
-- Lua reports for what capbox refuses.
local function show(...)
  local t = table.pack(...)
  for i = 1, t.n do t[i] = tostring(t[i]) end
  print(table.concat(t, " | "))
end

local f = assert(io.open("/work/input.txt", "r"))
show("io.type", io.type(f))
show("line", f:read("l"))
show("line with newline", (f:read("L"):gsub("\n", "\\n")))
show("numbers", f:read("n", "n"))
show("rest", (f:read("a"):gsub("\n", "\\n")))
show("at EOF", f:read("l"), f:read(0))
show("seek set 5", f:seek("set", 5), f:read(3))
show("seek cur -3", f:seek("cur", -3), f:read(3))
show("seek end", f:seek("end"))
f:close()
show("closed", io.type(f))

local out = assert(io.open("/work/out.txt", "w"))
out:setvbuf("full", 4096)
for i = 1, 1000 do
  out:write(string.format("%04d %s\n", i, string.rep("x", i % 17)))
end
show("write returns the file", out:write("") == out)
out:close()
local count, bytes = 0, 0
for line in io.lines("/work/out.txt") do
  count = count + 1
  bytes = bytes + #line + 1
end
show("lines read back", count, bytes)

local a = assert(io.open("/work/out.txt", "a"))
a:write("appended\n")
a:close()
local rw = assert(io.open("/work/out.txt", "r+"))
show("size after append", rw:seek("end"))
rw:seek("set", 0)
rw:write("ABCD")
rw:seek("set", 0)
show("overwritten head", rw:read(9))
rw:close()

local last
for line in io.lines("/work/out.txt") do last = line end
show("last line", last)

show("rename", os.rename("/work/out.txt", "/work/renamed.txt"))
show("old name gone", io.open("/work/out.txt") == nil)
show("rename missing", os.rename("/work/none.txt", "/work/x.txt"))
show("remove", os.remove("/work/renamed.txt"))
show("remove again", os.remove("/work/renamed.txt"))
show("open missing", io.open("/work/none.txt"))
show("write in /scripts", io.open("/scripts/new.txt", "w"))
show("read own script", io.open("/scripts/files.lua") ~= nil)
show("escape with ..", io.open("/work/../etc/passwd"))
show("absolute outside", io.open("/etc/passwd"))
show("io.tmpfile", io.tmpfile())
show("tostring(io.stdout)", tostring(io.stdout):match("^file %(0x") ~= nil)

local final = assert(io.open("/work/result.txt", "w"))
final:write("done by lua\n")
final:close()
