-- claim.lua: leases a user's expired outbox entries in id order, stopping
-- at the first one still leased (to keep the user's order). KEYS: outbox.
-- ARGV: 1 now (unix ms), 2 lease (ms), 3 limit. It returns the claimed
-- values as rewritten.
local all = redis.call('HGETALL', KEYS[1])
local ids = {}
local vals = {}
for i = 1, #all, 2 do
  ids[#ids + 1] = all[i]
  vals[all[i]] = all[i + 1]
end
table.sort(ids)
local now = tonumber(ARGV[1])
local out = {}
for _, id in ipairs(ids) do
  if #out >= tonumber(ARGV[3]) then break end
  local v = vals[id]
  local b1 = string.find(v, '|', 1, true)
  local b2 = string.find(v, '|', b1 + 1, true)
  local lease = tonumber(string.sub(v, 1, b1 - 1))
  if lease > now then break end
  local attempts = tonumber(string.sub(v, b1 + 1, b2 - 1)) + 1
  local nv = tostring(now + tonumber(ARGV[2])) .. '|' .. attempts .. '|' .. string.sub(v, b2 + 1)
  redis.call('HSET', KEYS[1], id, nv)
  out[#out + 1] = nv
end
return out
