-- wrk script for bench/flash_sale.py: each thread walks its own slice of the distinct buyers
-- (then starts over with new keys: the same sold-out path), every request with its own key.
-- args: tokens-file path threads
local counter = 1
local threads = {}

function setup(thread)
  thread:set("id", counter)
  table.insert(threads, thread)
  counter = counter + 1
end

function init(args)
  tokens = {}
  for line in io.lines(args[1]) do tokens[#tokens + 1] = line end
  path = args[2]
  per = math.floor(#tokens / tonumber(args[3]))
  sent, done, created, refused, other = 0, 0, 0, 0, 0
  body = '{"market":"UK","quantity":1,"address":{"name":"Bench","line1":"1 Bench St",' ..
         '"city":"Leeds","postcode":"LS1 1AA","country":"UK"}}'
end

function request()
  local i = (id - 1) * per + (sent % per) + 1
  sent = sent + 1
  return wrk.format("POST", path, {
    ["Authorization"] = "Bearer " .. tokens[i],
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = "bench-" .. id .. "-" .. sent,
  }, body)
end

function response(status, headers, body)
  done = done + 1
  if status == 201 then created = created + 1
  elseif status == 409 then refused = refused + 1
  else other = other + 1 end
end

function done(summary, latency, requests)
  local c, r, o = 0, 0, 0
  for _, t in ipairs(threads) do
    c = c + t:get("created"); r = r + t:get("refused"); o = o + t:get("other")
  end
  io.write(string.format("STATUS created=%d refused=%d other=%d\n", c, r, o))
  io.write(string.format("LAT p50_us=%d p99_us=%d\n", latency:percentile(50), latency:percentile(99)))
end
