-- SPDX-License-Identifier: Apache-2.0
-- The language and its pure libraries: strings and patterns, string.pack,
-- utf8, tables and sorting, integer and float math, closures, metatables,
-- varargs, goto, and a little work (primes, a hash) to give the engine
-- something to chew on. Deterministic output only.
local function p(...) print(...) end

-- strings
local s = "The quick brown fox jumps over the lazy dog"
p(#s, s:upper():sub(5, 9), s:find("fox"), s:match("(%a+) dog$"))
p((s:gsub("%w+", function(w) return w:sub(1, 1) end)))
p(string.format("%5d|%-5s|%.3f|%x|%q", 42, "ab", math.pi, 255, "a\nb"))
p(("x"):rep(3, ","), ("abc"):reverse(), ("%d items"):format(3))
local words = {}
for w in s:gmatch("%a+") do words[#words + 1] = w:lower() end
table.sort(words)
p(table.concat(words, " "))
p(string.byte("ABC", 1, -1), string.char(72, 105))
local packed = string.pack("<i4 d s1", -2, 0.5, "hi")
p(#packed, string.unpack("<i4 d s1", packed))
p(utf8.char(72, 228, 8364, 128512), utf8.len("häll€"))
for _, c in utf8.codes("aé") do io.write(c, " ") end
print()

-- numbers
p(7 // 2, -7 // 2, 7 % -3, 7.0 // 2, 2^10, 10 / 4)
p(math.maxinteger, math.mininteger, math.maxinteger + 1 == math.mininteger)
p(math.type(1), math.type(1.0), math.type("1"), math.tointeger(3.0))
p(math.floor(-3.5), math.ceil(-3.5), math.abs(-4), math.fmod(7, 3))
p(string.format("%.6f %.6f %.6f", math.sqrt(2), math.sin(1), math.exp(1)))
p(tonumber("0x1p4"), tonumber("  12  "), tonumber("z", 36), tonumber("1e2"))
p(1e15, 2^53, 0.1 + 0.2 == 0.3, 3 | 5, 6 & 3, 1 << 62, ~0)
math.randomseed(42)
local r = {}
for i = 1, 5 do r[i] = math.random(1, 100) end
p("random in range", #r, math.min(table.unpack(r)) >= 1,
  math.max(table.unpack(r)) <= 100)

-- tables
local t = {5, 3, 8, 1, 9, 2}
table.sort(t, function(a, b) return a > b end)
p(table.concat(t, ","))
table.insert(t, 1, 0)
table.insert(t, 7)
p(table.remove(t), table.remove(t, 1), #t, select("#", table.unpack(t)))
p(table.concat(table.move({1, 2, 3}, 1, 3, 2, {9}), ","))
local keys = {}
for k in pairs({a = 1, b = 2, c = 3}) do keys[#keys + 1] = k end
table.sort(keys)
p(table.concat(keys))

-- closures, varargs, metatables, goto
local function counter()
  local n = 0
  return function() n = n + 1; return n end
end
local c1, c2 = counter(), counter()
c1(); c1()
p(c1(), c2())
local function va(...) return select("#", ...), ... end
p(va(1, nil, 3))
local V = {}
V.__index = V
V.__add = function(a, b) return setmetatable({x = a.x + b.x}, V) end
V.__tostring = function(v) return "V(" .. v.x .. ")" end
V.__len = function() return 99 end
local v = setmetatable({x = 1}, V) + setmetatable({x = 2}, V)
p(tostring(v), #v, rawlen(v), getmetatable(v) == V)
local weak = setmetatable({}, {__mode = "k"})
weak[{}] = true
collectgarbage()
p("weak table emptied", next(weak) == nil)
for i = 1, 3 do
  for j = 1, 3 do
    if i * j == 4 then goto done end
  end
end
::done::
p("goto ok")

-- work: primes below 200000 and a string hash
local sieve, count = {}, 0
for i = 2, 200000 do
  if not sieve[i] then
    count = count + 1
    for j = i * i, 200000, i do sieve[j] = true end
  end
end
p("primes", count)
local h = 0
for i = 1, 100000 do h = (h * 31 + i) % 1000000007 end
p("hash", h)
local parts = {}
for i = 1, 10000 do parts[i] = tostring(i) end
local joined = table.concat(parts)
p("joined", #joined, joined:sub(-10))
