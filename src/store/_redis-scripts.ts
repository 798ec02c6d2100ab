/**
 * The Lua scripts of the Redis store; each runs atomically on the server. A value's version
 * is the SHA-1 of what is stored: every sealed value has a random IV, so every write changes it.
 */
export const redisScripts = {
  /** KEYS[1] -> nil, or {value, version, pttl}. */
  getVersioned: `
local v = redis.call("get", KEYS[1])
if not v then return nil end
return {v, redis.sha1hex(v), redis.call("pttl", KEYS[1])}`,
  /** KEYS[1], ARGV = {expected version or "", value, ttl ms or ""} -> 1 written, 0 not. */
  setIf: `
local v = redis.call("get", KEYS[1])
local current = v and redis.sha1hex(v) or ""
if current ~= ARGV[1] then return 0 end
if ARGV[3] ~= "" then redis.call("set", KEYS[1], ARGV[2], "PX", ARGV[3])
else redis.call("set", KEYS[1], ARGV[2]) end
return 1`,
  /** KEYS[1], ARGV = {window ms} -> the new count; the first hit starts the window. */
  increment: `
local n = redis.call("incr", KEYS[1])
if redis.call("pttl", KEYS[1]) < 0 then redis.call("pexpire", KEYS[1], ARGV[1]) end
return n`,
  /** KEYS[1], ARGV = {token, ttl ms} -> 1 when the lock was ours and is extended. */
  renew: `
if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("pexpire", KEYS[1], ARGV[2]) end
return 0`,
  /** KEYS[1], ARGV = {token}: deletes the lock only while it holds our token. */
  release: `
if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) end
return 0`,
} as const;
