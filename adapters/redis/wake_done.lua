-- wake_done.lua: ends a claim: the user wakes again at the earlier of the
-- claimer's next time and any asked for meanwhile, or leaves the index when
-- there is neither. KEYS: 1 wake zset, 2 claimed zset, 3 pending zset.
-- ARGV: 1 user, 2 next wake (unix ms; 0: none).
local at = tonumber(ARGV[2])
local pending = redis.call('ZSCORE', KEYS[3], ARGV[1])
if pending then
  pending = tonumber(pending)
  if at == 0 or pending < at then at = pending end
end
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
if at > 0 then
  redis.call('ZADD', KEYS[1], 'LT', at, ARGV[1])
end
return 1
