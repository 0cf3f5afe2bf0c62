"""The callback book's Lua scripts (``RedisCallbacks``): each runs atomically in Redis, on one connection,
so a claim has exactly one winner and a durable write can be confirmed with WAIT on that connection.

Claim, close and release take the request's own id last and keep it with what they answered (``op``,
``op_result``): the same script sent again (Redis ran it, its reply was lost, redis-py retried) answers what it
did, where it read its own claim as another's ("taken") or its own close as "not yours"."""

# The head of a script taking the request's id in ARGV[{n}]: the same request again answers what it did.
_AGAIN = """
if redis.call('HGET', KEYS[1], 'op') == ARGV[{n}] then return redis.call('HGET', KEYS[1], 'op_result') end
"""


def _done(n: int, result: str) -> str:
    """Keep the request's id (ARGV[n]) with ``result``, then answer it (one line: it goes where a return did)."""
    return f"redis.call('HSET', KEYS[1], 'op', ARGV[{n}], 'op_result', '{result}'); return '{result}'\n"


# KEYS: hash, pending zset. ARGV: data JSON, ttl, score, id. Adds only an id not stored yet.
ADD = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'data', ARGV[1], 'status', 'pending')
redis.call('EXPIRE', KEYS[1], ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
return 1
"""

# KEYS: hash, from-zset, to-zset. ARGV: id, agent, now, new status, field name, field value.
# claim: pending -> claimed (anyone). ARGV[5]: the request's id.
CLAIM = (
    _AGAIN.format(n=5)
    + """
local cur = redis.call('HGET', KEYS[1], 'status')
if not cur then return 'unknown' end
if cur ~= 'pending' then return 'taken' end
redis.call('HSET', KEYS[1], 'status', 'claimed', 'claimed_by', ARGV[2], 'claimed_at', ARGV[3])
local score = redis.call('ZSCORE', KEYS[2], ARGV[1]) or ARGV[4]
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZADD', KEYS[3], score, ARGV[1])
"""
    + _done(5, "ok")
)
# KEYS: hash, claimed, closed, pending. ARGV: id, agent, now, outcome, '1' for a try that reached nobody,
# max attempts, the outcome of the last such try, when the next try is due. Only the claimer closes; a try
# nobody answered before the last one puts it back in pending ('retry'), unclaimed, with failed_attempts
# counted and retry_after set. ARGV[9]: the request's id.
CLOSE = (
    _AGAIN.format(n=9)
    + """
local cur = redis.call('HGET', KEYS[1], 'status')
if not cur then return 'unknown' end
if cur ~= 'claimed' or redis.call('HGET', KEYS[1], 'claimed_by') ~= ARGV[2] then return 'not_yours' end
local outcome = ARGV[4]
local score = redis.call('ZSCORE', KEYS[2], ARGV[1]) or 0
redis.call('ZREM', KEYS[2], ARGV[1])
if ARGV[5] == '1' then
  local tries = redis.call('HINCRBY', KEYS[1], 'failed_attempts', 1)
  redis.call('HSET', KEYS[1], 'last_attempt_at', ARGV[3], 'last_outcome', outcome)
  if tries < tonumber(ARGV[6]) then
    redis.call('HSET', KEYS[1], 'status', 'pending', 'retry_after', ARGV[8])
    redis.call('HDEL', KEYS[1], 'claimed_by', 'claimed_at')
    redis.call('ZADD', KEYS[4], score, ARGV[1])
    """
    + _done(9, "retry")
    + """  end
  outcome = ARGV[7]
end
redis.call('HSET', KEYS[1], 'status', 'closed', 'closed_at', ARGV[3], 'outcome', outcome)
redis.call('ZADD', KEYS[3], score, ARGV[1])
"""
    + _done(9, "ok")
)

# KEYS: hash, claimed, pending. ARGV: id, agent, '1' when anyone may (a supervisor), the request's id.
# claimed -> pending.
RELEASE = (
    _AGAIN.format(n=4)
    + """
local cur = redis.call('HGET', KEYS[1], 'status')
if not cur then return 'unknown' end
if cur ~= 'claimed' then return 'not_claimed' end
if ARGV[3] ~= '1' and redis.call('HGET', KEYS[1], 'claimed_by') ~= ARGV[2] then return 'not_yours' end
redis.call('HSET', KEYS[1], 'status', 'pending')
redis.call('HDEL', KEYS[1], 'claimed_by', 'claimed_at')
local score = redis.call('ZSCORE', KEYS[2], ARGV[1]) or 0
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZADD', KEYS[3], score, ARGV[1])
"""
    + _done(4, "ok")
)

# KEYS: hash, voicemails zset. ARGV: url, seconds ('' unknown), voicemails member ('' none), score.
VOICEMAIL = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'voicemail_url', ARGV[1])
if ARGV[2] ~= '' then redis.call('HSET', KEYS[1], 'voicemail_s', ARGV[2]) end
if ARGV[3] ~= '' then redis.call('ZADD', KEYS[2], 'NX', ARGV[4], ARGV[3]) end
return 1
"""
