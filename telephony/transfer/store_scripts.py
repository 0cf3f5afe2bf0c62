"""The transfer store's Lua scripts (``TransferStore``): each runs atomically in Redis, so a status moves by
compare-and-set and a field is set only while unset, whichever worker runs the step, twice or late."""

# KEYS: record hash, queue zset, receipt. ARGV: new status, transfer id, this move's id, n expected, expected...,
# field, value, ... Returns {1, previous} when applied, {0, current} when refused, false when the record is gone.
# The receipt (this move's id and the status it moved from, 30 s) answers the same move sent again (Redis ran it,
# its reply was lost, redis-py retried) as applied: read as refused, the step that made it thought it stale.
TRANSITION = """
local cur = redis.call('HGET', KEYS[1], 'status')
if not cur then return false end
local n = tonumber(ARGV[4])
local ok = false
for i = 5, 4 + n do if ARGV[i] == cur then ok = true end end
if not ok then
  local receipt = redis.call('HGET', KEYS[3], 'id')
  if receipt == ARGV[3] then return {1, redis.call('HGET', KEYS[3], 'from')} end
  return {0, cur}
end
redis.call('HSET', KEYS[1], 'status', ARGV[1])
for i = 5 + n, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
if ARGV[1] ~= 'waiting' and ARGV[1] ~= 'ringing' then redis.call('ZREM', KEYS[2], ARGV[2]) end
redis.call('HSET', KEYS[3], 'id', ARGV[3], 'from', cur)
redis.call('EXPIRE', KEYS[3], 30)
return {1, cur}
"""

# Set a field only while it is unset (absent, or JSON null as ``create`` writes it): an HSETNX for this hash. KEYS:
# the hash, a receipt. ARGV: field, value, this write's id: the same write sent again (reply lost) answers 1.
SET_UNSET = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if cur and cur ~= 'null' then return redis.call('GET', KEYS[2]) == ARGV[3] and 1 or 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('SET', KEYS[2], ARGV[3], 'EX', 30)
return 1
"""

# KEYS: the record hash. ARGV: field, value, ... Set only while the record exists, in one step: a check and then a
# write recreated a record that expired between them, a few fields with no status and no TTL, kept for good.
UPDATE_EXISTING = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV))
return 1
"""

# A claim that never became a bridge, back in its queue (``TransferStore.requeue``). KEYS: record hash, queue zset.
# ARGV: transfer id, the claim's connected_at (JSON), queue score, this move's id (JSON), field, value, ... Moves
# only the claim read (status connected, the same connected_at), sets the fields and puts it back in the queue in one
# step; the same move sent again (its reply lost) finds its id and answers 1.
REQUEUE = """
local cur = redis.call('HGET', KEYS[1], 'status')
if not cur then return 0 end
if cur ~= 'connected' or redis.call('HGET', KEYS[1], 'connected_at') ~= ARGV[2] then
  return redis.call('HGET', KEYS[1], 'requeued_by') == ARGV[4] and 1 or 0
end
redis.call('HSET', KEYS[1], 'status', 'waiting', 'requeued_by', ARGV[4])
for i = 5, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
return 1
"""

# The worker about to dial the agent it reserved (``TransferStore.ring_held``). KEYS: transfer hash, agent hash. ARGV:
# transfer id, agent id (JSON, as the record keeps it), now. While the transfer rings this agent and she is still
# reserved for it, her reservation's time becomes the ring's (changed_at): a stale-reservation release acting on
# what it read before (read_at) then frees nobody. Answers 1 then (again for the same step sent twice), else 0.
RING_HELD = """
if redis.call('HGET', KEYS[1], 'status') ~= 'ringing' or redis.call('HGET', KEYS[1], 'agent_id') ~= ARGV[2] then
  return 0
end
if redis.call('HGET', KEYS[2], 'reserved_for') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[2], 'changed_at', ARGV[3])
return 1
"""
