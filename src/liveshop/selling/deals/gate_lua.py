"""The Redis side of the deal gate (selling/gate.py): atomic Lua scripts on one deal's keys.

Keys, in this order for every script: 1 counter (units the gate may still let through),
2 admitted attempts (list), 3 generation, 4 leases (zset: lease -> deadline, ms),
5 lease details (hash: lease -> "units:buyer"), 6 units in flight per buyer (hash),
7 incarnation (changes whenever the counter is rebuilt from the database).
Whenever units go back, the counter's key is published on BACK, so every process's view
of the deal (selling/gate.py) is refreshed before it next answers "sold out".

An admission is a lease. It ends in one of three ways: the hold was written (the units stay
taken), the database refused it (the units go back), or nobody came back for it before its
deadline, because the request died with its process (the units go back). Every script that
reads the counter first ends the expired leases, so a dead worker's admissions come back
within seconds, with no recount and no trust in a count the dead process left behind.
"""

from __future__ import annotations

BACK = "liveshop:deal-gate:back"

_COMMON = f"""
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function release(lease, units, buyer, back)
  redis.call('ZREM', KEYS[4], lease)
  redis.call('HDEL', KEYS[5], lease)
  if redis.call('HINCRBY', KEYS[6], buyer, -units) <= 0 then redis.call('HDEL', KEYS[6], buyer) end
  if back and redis.call('EXISTS', KEYS[1]) == 1 then
    redis.call('INCRBY', KEYS[1], units)
    redis.call('PUBLISH', '{BACK}', KEYS[1])
  end
end
local function reclaim()
  local gone = redis.call('ZRANGEBYSCORE', KEYS[4], '-inf', now_ms(), 'LIMIT', 0, 1000)
  for _, lease in ipairs(gone) do
    local v = redis.call('HGET', KEYS[5], lease)
    if v then
      local units, buyer = string.match(v, '^(%d+):(.*)$')
      release(lease, tonumber(units), buyer, true)
    else
      redis.call('ZREM', KEYS[4], lease)
    end
  end
end
"""

# ARGV: units, attempt, lease, buyer, units the buyer may still take, lease ms.
# {-2}: not initialised, {-1}: not enough left, {-3}: the buyer's other attempts already
# claim all they may take; else {units left after taking, incarnation}.
TAKE = (
    _COMMON
    + """
reclaim()
local left = redis.call('GET', KEYS[1])
if not left then return {-2} end
local units = tonumber(ARGV[1])
if tonumber(left) < units then return {-1} end
local busy = tonumber(redis.call('HGET', KEYS[6], ARGV[4]) or '0')
if busy + units > tonumber(ARGV[5]) then return {-3} end
if redis.call('RPUSH', KEYS[2], ARGV[2]) == 1 then redis.call('EXPIRE', KEYS[2], 86400) end
redis.call('ZADD', KEYS[4], now_ms() + tonumber(ARGV[6]), ARGV[3])
redis.call('HSET', KEYS[5], ARGV[3], ARGV[1] .. ':' .. ARGV[4])
redis.call('HINCRBY', KEYS[6], ARGV[4], units)
for i = 4, 6 do redis.call('EXPIRE', KEYS[i], 86400) end
return {redis.call('DECRBY', KEYS[1], units), redis.call('GET', KEYS[7]) or ''}
"""
)

# ARGV: lease, units, incarnation seen at admission, '1' if the hold was written else '0'.
FINISH = (
    _COMMON
    + """
local v = redis.call('HGET', KEYS[5], ARGV[1])
if v then
  local units, buyer = string.match(v, '^(%d+):(.*)$')
  release(ARGV[1], tonumber(units), buyer, ARGV[4] == '0')
  return 1
end
-- The lease had expired and its units went back; the hold was written after all, so take
-- them again. Not if the counter was rebuilt since: the database count it started from
-- may or may not include this hold, and counting too many only sends requests to the
-- database, where counting too few would refuse buyers while units are left.
if ARGV[4] == '1' and ARGV[3] ~= '' and redis.call('GET', KEYS[7]) == ARGV[3]
    and redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('DECRBY', KEYS[1], tonumber(ARGV[2]))
end
return 0
"""
)

# Units that came back from an expired or cancelled hold. ARGV: units.
GIVE = f"""
if redis.call('EXISTS', KEYS[1]) == 1 then
  local left = redis.call('INCRBY', KEYS[1], ARGV[1])
  redis.call('PUBLISH', '{BACK}', KEYS[1])
  return left
end
return -2
"""

# ARGV: units left, generation ('' = the memory is incomplete), a new incarnation.
# NX keeps the first of several racing initialisers; only that one resets the rest.
INIT = """
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'EX', 86400) then
  redis.call('DEL', KEYS[2], KEYS[4], KEYS[5], KEYS[6])
  redis.call('SET', KEYS[7], ARGV[3], 'EX', 86400)
  if ARGV[2] ~= '' then redis.call('SET', KEYS[3], ARGV[2], 'EX', 86400)
  else redis.call('DEL', KEYS[3]) end
end
return 1
"""

# ARGV: first unseen index of the admitted list, the generation seen.
VIEW = (
    _COMMON
    + """
reclaim()
local left = redis.call('GET', KEYS[1])
local gen = redis.call('GET', KEYS[3])
local new = {}
if gen then
  local from = 0
  if gen == ARGV[2] then from = tonumber(ARGV[1]) end
  new = redis.call('LRANGE', KEYS[2], from, -1)
end
return {left or false, gen or false, new}
"""
)
