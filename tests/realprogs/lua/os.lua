-- SPDX-License-Identifier: Apache-2.0
-- The os library under WASI: clocks and dates (UTC, no time zone data),
-- the environment capbox passes (--env), no shell, arguments.
local t = os.time()
print("os.time after 2020", t > 1577836800, math.type(t))
local c0 = os.clock()
local x = 0
for i = 1, 3000000 do x = x + i % 7 end
print("os.clock advances", os.clock() > c0, x)
print("epoch", os.date("!%Y-%m-%d %H:%M:%S", 0))
print("a date", os.date("!%A %d %B %Y", 1000000000))
local tt = os.date("!*t", 86400 * 365)
print("table date", tt.year, tt.month, tt.day, tt.yday, tt.isdst)
print("os.time of a table", os.time({year = 2001, month = 9, day = 9,
                                     hour = 1, min = 46, sec = 40}))
print("difftime", os.difftime(t + 60, t))
print("getenv set", os.getenv("LUA_TEST"))
print("getenv unset", os.getenv("HOME"))
print("execute without a shell", os.execute())
print("execute a command", os.execute("ls"))
print("args", #arg, arg[0], arg[1], arg[2])
io.stderr:write("to stderr\n")
os.exit(true, true)
