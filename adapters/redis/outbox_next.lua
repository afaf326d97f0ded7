-- outbox_next.lua: when a user's earliest outbox entry is due (the lease
-- before the first "|" of each value). KEYS: outbox. It returns unix ms, or
-- 0 for an empty outbox.
local next = 0
for _, v in ipairs(redis.call('HVALS', KEYS[1])) do
  local lease = tonumber(string.sub(v, 1, string.find(v, '|', 1, true) - 1))
  if next == 0 or lease < next then next = lease end
end
return next
