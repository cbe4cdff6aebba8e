-- SPDX-License-Identifier: Apache-2.0
-- The bench's Lua 5.4 workload (bench/run_bench.py, row "lua"): CPU-bound
-- table, string and closure work with one checksum line as its output, so
-- the native and the wasm interpreter can be compared by what they print.
-- Usage: lua cpu.lua [ROUNDS]
local rounds = tonumber(arg and arg[1]) or 30
local sum = 0

local function mix(h, v) return (h * 31 + v) % 4294967296 end

-- Tables: an array of records, sorted with a closure, then a hash of words.
local function tables(seed)
  local records = {}
  for i = 1, 20000 do
    seed = (seed * 1103515245 + 12345) % 2147483648
    records[i] = {key = seed % 10007, name = "r" .. (seed % 997), i = i}
  end
  table.sort(records, function(a, b)
    if a.key ~= b.key then return a.key < b.key end
    return a.i < b.i
  end)
  local counts, h = {}, 0
  for _, r in ipairs(records) do
    counts[r.name] = (counts[r.name] or 0) + 1
  end
  for name, n in pairs(counts) do h = h + #name * n end
  return mix(h, records[1].key + records[#records].key)
end

-- Strings: build with table.concat, format, gsub and pattern matching.
local function strings(n)
  local parts = {}
  for i = 1, n do
    parts[#parts + 1] = string.format("%d:%s;", i, ("ab"):rep(i % 7 + 1))
  end
  local text = table.concat(parts)
  local h = 0
  for num, word in text:gmatch("(%d+):(%a+);") do
    h = mix(h, tonumber(num) + #word)
  end
  local upper = text:gsub("ab", "X")
  return mix(h, #upper)
end

-- Closures: counters, composition and a fold over generated functions.
local function closures(n)
  local function counter()
    local c = 0
    return function(step) c = c + step; return c end
  end
  local function compose(f, g) return function(x) return f(g(x)) end end
  local fs = {}
  for i = 1, 64 do
    local k = i
    fs[i] = compose(function(x) return x + k end,
                    function(x) return (x * 3) % 1000003 end)
  end
  local ctr, acc = counter(), 0
  for i = 1, n do
    acc = fs[i % 64 + 1](acc)
    ctr(acc % 7)
  end
  return mix(acc, ctr(0))
end

for r = 1, rounds do
  sum = mix(sum, tables(r))
  sum = mix(sum, strings(4000))
  sum = mix(sum, closures(200000))
end
print(string.format("lua rounds=%d checksum=0x%08x", rounds, sum))
