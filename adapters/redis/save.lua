-- save.lua: applies one bot.Save. KEYS: state, session, history, flags,
-- seen, outbox. ARGV: 1 token, 2 expected version, 3 event id (or ""), 4
-- now (unix ms), 5 "1" to write the state, 6 state JSON, 7 session JSON (""
-- deletes it), 8 session TTL in ms (0: none), 9 cap on history and flags,
-- 10 retention in ms, 11 dedupe mark TTL in ms, 12 number of history
-- entries, 13 number of flag entries, 14 "1" to delete the user first, 15
-- "1" to skip the version check, then the history entries, then the flag
-- entries, then outbox entries as id, value pairs. It returns the version
-- after the save, -1 for a duplicate event, -2 for a stale version.
--
-- The token makes a save that the client retries after losing the reply
-- (go-redis retries on EOF) apply once: the retry finds its own token and
-- reports success instead of a conflict or a duplicate.
local st = redis.call('HMGET', KEYS[1], 'v', 't')
local cur = tonumber(st[1]) or 0
local token = ARGV[1]
if st[2] == token then
  return cur
end
local now = tonumber(ARGV[4])
local ev = ARGV[3]
if ARGV[14] == '1' then
  -- A deleting save leaves nothing of the user, not even its own mark:
  -- a redelivery deletes nothing again.
  ev = ''
end
if ev ~= '' then
  local exp = redis.call('ZSCORE', KEYS[5], ev)
  if exp and tonumber(exp) > now then
    return -1
  end
end
if cur ~= tonumber(ARGV[2]) and ARGV[15] ~= '1' then
  return -2
end

local version = cur
if ARGV[14] == '1' then
  redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6])
  version = 0
elseif ARGV[5] == '1' then
  version = cur + 1
  redis.call('HSET', KEYS[1], 'v', version, 'd', ARGV[6], 't', token)
  if ARGV[7] == '' then
    redis.call('DEL', KEYS[2])
  elseif ARGV[8] == '0' then
    redis.call('SET', KEYS[2], ARGV[7])
  else
    redis.call('SET', KEYS[2], ARGV[7], 'PX', ARGV[8])
  end
elseif ARGV[14] ~= '1' then
  -- Even with no state yet: a new user's first save, resent after a lost
  -- reply, must find its token too.
  redis.call('HSET', KEYS[1], 't', token)
end

local max = tonumber(ARGV[9])
local keep = tonumber(ARGV[10])
local cutoff = now - keep
-- pops entries stamped before cutoff from one end of a list
local function expire(key, idx, pop)
  for _ = 1, max do
    local v = redis.call('LINDEX', key, idx)
    if not v then return end
    local bar = string.find(v, '|', 1, true)
    local ts = bar and tonumber(string.sub(v, 1, bar - 1))
    if not ts or ts >= cutoff then return end
    redis.call(pop, key)
  end
end

local nh = tonumber(ARGV[12])
local nf = tonumber(ARGV[13])
local first, last = 16, 15 + nh
if nh > 0 then
  for i = first, last do
    redis.call('LPUSH', KEYS[3], ARGV[i])
  end
  redis.call('LTRIM', KEYS[3], 0, max - 1)
  redis.call('PEXPIRE', KEYS[3], keep)
  -- Old entries go when new ones come; reads skip any still there, so
  -- a save that appends nothing need not look.
  expire(KEYS[3], -1, 'RPOP')
end

if nf > 0 then
  for i = last + 1, last + nf do
    redis.call('RPUSH', KEYS[4], ARGV[i])
  end
  redis.call('LTRIM', KEYS[4], -max, -1)
  redis.call('PEXPIRE', KEYS[4], keep)
  expire(KEYS[4], 0, 'LPOP')
end

for i = last + nf + 1, #ARGV, 2 do
  redis.call('HSET', KEYS[6], ARGV[i], ARGV[i + 1])
end

redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', now)
if ev ~= '' then
  local ttl = tonumber(ARGV[11])
  redis.call('ZADD', KEYS[5], now + ttl, ev)
  redis.call('PEXPIRE', KEYS[5], ttl)
end
return version
