-- wake_schedule.lua: adds a user to its shard's wake index, or moves them
-- earlier, never later; while a claimer has the user, the time is kept
-- aside for DoneWake. KEYS: 1 wake zset, 2 claimed zset, 3 pending zset
-- (one shard's). ARGV: 1 user, 2 wake time (unix ms).
if redis.call('ZSCORE', KEYS[2], ARGV[1]) then
  redis.call('ZADD', KEYS[3], 'LT', ARGV[2], ARGV[1])
else
  redis.call('ZADD', KEYS[1], 'LT', ARGV[2], ARGV[1])
end
return 1
