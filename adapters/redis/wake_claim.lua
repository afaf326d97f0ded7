-- wake_claim.lua: claims the users of one shard whose wake time has come,
-- and those whose claim's lease ran out (their claimer died), for a new
-- lease. KEYS: 1 wake zset, 2 claimed zset. ARGV: 1 now (unix ms), 2 lease
-- (ms), 3 limit. It returns the users claimed.
local now, lease, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local out = {}
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, limit)
for _, u in ipairs(due) do
  redis.call('ZREM', KEYS[1], u)
  redis.call('ZADD', KEYS[2], now + lease, u)
  out[#out + 1] = u
end
if #out < limit then
  local stale = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, limit - #out)
  for _, u in ipairs(stale) do
    redis.call('ZADD', KEYS[2], now + lease, u)
    out[#out + 1] = u
  end
end
return out
