"""Lua scripts for a short lock owned by one request across workers (a webhook's claim, a wrap-up's hold).

Why a script and a token: the lock is taken when free *or when it already holds this token* (Redis ran the SET,
its reply was lost, and redis-py sent the script again: the retry must not read its own lock as another's), and
released only while it still holds this token (a holder slower than the TTL must not free the next one's). What
the holder writes under the lock is written only while it still holds it (``WRITE_OWN``): one that lost it (taken
over by a logout that waited long enough, or lapsed) must not write after whoever took it.
"""

from __future__ import annotations

import uuid

from redis.asyncio import Redis

# KEYS: the lock's key. ARGV: this holder's token, TTL in seconds. Returns 1 when held by this token now.
TAKE_OWN = """
local held = redis.call('GET', KEYS[1])
if not held then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
  return 1
end
if held == ARGV[1] then
  return 1
end
return 0
"""

# KEYS: the lock's key. ARGV: this holder's token. Deletes the key only while it holds this token.
RELEASE_OWN = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""

# KEYS: the lock's key, a hash to write. ARGV: this holder's token, then field, value pairs.
# Returns 1 when this token holds the lock (the fields written, if the hash exists), 0 when it lost it.
WRITE_OWN = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
if redis.call('EXISTS', KEYS[2]) == 1 then
  redis.call('HSET', KEYS[2], unpack(ARGV, 2))
end
return 1
"""


async def first_mark(redis: Redis, key: str, ttl_s: int) -> bool:
    """True the first time ``key`` is marked (``SET NX``), and the marker kept ``ttl_s``. The marker holds this
    call's token: the same SET that Redis ran and whose reply was lost, sent again by redis-py, finds its own
    token and still answers True (a bare ``SET NX`` read it as a copy); another request's call answers False."""
    token = uuid.uuid4().hex
    if await redis.set(key, token, nx=True, ex=ttl_s):
        return True
    return bool(await redis.get(key) == token)


# KEYS: a hash of counters, this write's marker. ARGV: the hash's TTL (0: none), the marker's TTL, then field,
# increment pairs. Adds the increments unless the marker is there already: the same write, its reply lost and
# sent again by redis-py, must not count twice (a connection reset, a failover). Returns 1 when added.
ADD_ONCE = """
if not redis.call('SET', KEYS[2], 1, 'NX', 'EX', ARGV[2]) then
  return 0
end
for i = 3, #ARGV, 2 do
  redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[i + 1])
end
if tonumber(ARGV[1]) > 0 then
  redis.call('EXPIRE', KEYS[1], ARGV[1])
end
return 1
"""
