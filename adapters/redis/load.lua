-- load.lua: reads what Load needs. KEYS: state, session, seen. ARGV: 1
-- event id (or ""). It returns version, state JSON, session JSON and the
-- event's mark expiry, each nil when absent. Missing values are false in
-- Lua (never nil), so the reply keeps all four places.
local st = redis.call('HMGET', KEYS[1], 'v', 'd')
local sess = redis.call('GET', KEYS[2])
local mark = false
if ARGV[1] ~= '' then mark = redis.call('ZSCORE', KEYS[3], ARGV[1]) end
return {st[1], st[2], sess, mark}
