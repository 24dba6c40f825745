/**
 * Lua scripts for every state change that must be atomic: a clip's status, the batch counters, the fairness
 * counters and the event that announces it are written together, so a crash can never deliver a clip twice
 * or leave a batch waiting for a clip that already ended.
 *
 * All keys derive from ARGV[1] (our key namespace, see keys.ts); Redis Cluster is not supported.
 */

/** A batch's log keeps this many entries (the newest). */
export const BATCH_LOG_MAX = 200;

export const common = `
local P = ARGV[1]
local function emit(batchId, clipId, typ, data, at, maxlen)
  local id = redis.call('XADD', P .. ':events', 'MAXLEN', '~', maxlen, '*', 't', typ, 'b', batchId, 'c', clipId, 'd', data, 'at', at)
  redis.call('HSET', P .. ':batch:' .. batchId, 'lastEventId', id)
  return id
end
local function isTerminal(s)
  return s == 'done' or s == 'failed' or s == 'cancelled'
end
-- The batch's log (what happened to each clip, BatchLogEntry JSON), newest ${BATCH_LOG_MAX} entries kept.
local function logEntry(batchId, clipId, kind, at, code, params)
  local e = {at = tonumber(at), clipId = clipId, index = tonumber(redis.call('HGET', P .. ':clip:' .. clipId, 'index') or '0'), kind = kind}
  if code then e.code = code end
  if type(params) == 'table' and next(params) ~= nil then e.params = params end
  local lk = P .. ':batch:' .. batchId .. ':log'
  redis.call('RPUSH', lk, cjson.encode(e))
  redis.call('LTRIM', lk, -${BATCH_LOG_MAX}, -1)
end
-- The user's counters, for a counted clip that stops waiting.
local function uncount(ck)
  if redis.call('HGET', ck, 'counted') ~= '1' then return end
  local uk = P .. ':user:' .. redis.call('HGET', ck, 'user')
  if redis.call('HINCRBY', uk, 'pending', -1) <= 0 then redis.call('DEL', uk) end
  if redis.call('HINCRBY', P .. ':fair', 'pending', -1) < 0 then redis.call('HSET', P .. ':fair', 'pending', 0) end
end
-- A batch's counts, as its batchDone event carries them.
local function batchSummary(bk)
  return {
    total = tonumber(redis.call('HGET', bk, 'total') or '0'),
    done = tonumber(redis.call('HGET', bk, 'done') or '0'),
    failed = tonumber(redis.call('HGET', bk, 'failed') or '0'),
    cancelled = tonumber(redis.call('HGET', bk, 'cancelled') or '0'),
  }
end
-- A batch stops counting its inputs (the set at ik): appends to \`freed\` the input keys no batch counts any more.
local function releaseInputs(ik, freed)
  for _, key in ipairs(redis.call('SMEMBERS', ik)) do
    local rk = P .. ':inputref:' .. key
    if redis.call('DECR', rk) <= 0 then
      redis.call('DEL', rk)
      table.insert(freed, key)
    end
  end
end
-- The batches that reference one output (deleteBatch keeps an output another batch still has). The set lives while
-- one of them runs, then as long as the last one to finish; members whose batch is gone are dropped on the way.
local function expireOutputBatches(renderKey, ttl)
  local sk = P .. ':outputbatches:' .. renderKey
  for _, id in ipairs(redis.call('SMEMBERS', sk)) do
    local st = redis.call('HGET', P .. ':batch:' .. id, 'status')
    if not st then
      redis.call('SREM', sk, id)
    elseif st ~= 'finished' then
      return
    end
  end
  redis.call('EXPIRE', sk, ttl)
end
`;

/**
 * Fairness and the per-user waiting limit, in one step.
 * ARGV: P, userRef, n, maxPending (-1 = unlimited), now (ms, optional), userKeyTtlSeconds (optional).
 * Returns {firstPriority, pendingBefore}; firstPriority -1 = refused.
 * The user's key carries when it was last reserved ('at', for the reconciler) and expires when left alone, so a
 * counter a crash left stuck cannot block a user for ever.
 * A user's clips get consecutive priorities starting after max(virtual time, the user's last priority):
 * a newcomer lands right after the clip that is rendering now, interleaved with earlier users' backlogs.
 */
export const reserveLua = `${common}
local uk = P .. ':user:' .. ARGV[2]
local fk = P .. ':fair'
local n = tonumber(ARGV[3])
local maxPending = tonumber(ARGV[4])
local pending = tonumber(redis.call('HGET', uk, 'pending') or '0')
if maxPending >= 0 and pending + n > maxPending then
  return {-1, pending}
end
local globalPending = tonumber(redis.call('HGET', fk, 'pending') or '0')
if globalPending <= 0 then
  redis.call('HSET', fk, 'vt', 0)
end
local vt = tonumber(redis.call('HGET', fk, 'vt') or '0')
local last = 0
if pending > 0 then last = tonumber(redis.call('HGET', uk, 'last') or '0') end
local base = math.max(vt, last)
redis.call('HSET', uk, 'pending', pending + n, 'last', base + n)
if ARGV[5] then redis.call('HSET', uk, 'at', ARGV[5]) end
if ARGV[6] then redis.call('EXPIRE', uk, tonumber(ARGV[6])) end
redis.call('HINCRBY', fk, 'pending', n)
return {base + 1, pending}
`;

/**
 * A reservation before downloading (intake.ts), checked against the user's waiting clips plus their other
 * reservations, and the byte budget against DATA_DIR's measured usage plus every reservation. Expired
 * reservations (their holder crashed) are dropped on the way.
 * ARGV: P, id, userRef, clips, bytes, maxPending (-1 = unlimited), budgetBytes (0 = none), usedBytes, now, ttlMs.
 * Returns {1} when reserved, {-1, waitingAndReserved} over the user's limit, {-2, reservedBytes} over the budget.
 */
export const reserveIntakeLua = `${common}
local rk = P .. ':intake'
local user = ARGV[3]
local clips = tonumber(ARGV[4])
local bytes = tonumber(ARGV[5])
local maxPending = tonumber(ARGV[6])
local budget = tonumber(ARGV[7])
local used = tonumber(ARGV[8])
local now = tonumber(ARGV[9])
local userClips = 0
local allBytes = 0
local entries = redis.call('HGETALL', rk)
for i = 1, #entries, 2 do
  local u, c, b, exp = string.match(entries[i + 1], '^(.*)|(%d+)|(%d+)|(%d+)$')
  if (not exp) or tonumber(exp) <= now then
    redis.call('HDEL', rk, entries[i])
  else
    if u == user then userClips = userClips + tonumber(c) end
    allBytes = allBytes + tonumber(b)
  end
end
local pending = tonumber(redis.call('HGET', P .. ':user:' .. user, 'pending') or '0')
if maxPending >= 0 and clips > 0 and pending + userClips + clips > maxPending then
  return {-1, pending + userClips}
end
if budget > 0 and used + allBytes + bytes > budget then
  return {-2, allBytes}
end
redis.call('HSET', rk, ARGV[2], user .. '|' .. clips .. '|' .. bytes .. '|' .. (now + tonumber(ARGV[10])))
-- The newest reservation expires last: the hash goes with it if nobody reserves again.
redis.call('PEXPIRE', rk, tonumber(ARGV[10]))
return {1}
`;

/**
 * The reconciler's repair of one waiting-clip counter, as a compare-and-set: nothing changes when the counter moved
 * since it was read, or the user reserved after `cutoff` (a submit may be between reserving and writing its batch).
 * ARGV: P, key (a user key, or the fairness key), field, expected ('' = absent), value, cutoff (0 = no 'at' check).
 * Returns 1 when written.
 */
export const fixCounterLua = `${common}
local k = ARGV[2]
local cur = redis.call('HGET', k, ARGV[3]) or ''
if cur ~= ARGV[4] then return 0 end
local cutoff = tonumber(ARGV[6])
if cutoff > 0 and tonumber(redis.call('HGET', k, 'at') or '0') > cutoff then return 0 end
if tonumber(ARGV[5]) <= 0 and k ~= P .. ':fair' then
  redis.call('DEL', k)
else
  redis.call('HSET', k, ARGV[3], ARGV[5])
end
return 1
`;

/** ARGV: P, clipId, at, maxlen. Returns 'ok' | 'missing' | 'terminal' | 'cancel'. */
export const startClipLua = `${common}
local ck = P .. ':clip:' .. ARGV[2]
local st = redis.call('HGET', ck, 'status')
if not st then return 'missing' end
if isTerminal(st) then return 'terminal' end
if redis.call('HGET', ck, 'cancelRequested') == '1' then return 'cancel' end
local attempts = redis.call('HINCRBY', ck, 'attempts', 1)
redis.call('HSET', ck, 'status', 'active', 'startedAt', ARGV[3])
redis.call('HDEL', ck, 'progress')
local prio = tonumber(redis.call('HGET', ck, 'priority') or '0')
local fk = P .. ':fair'
if prio > tonumber(redis.call('HGET', fk, 'vt') or '0') then redis.call('HSET', fk, 'vt', prio) end
local batchId = redis.call('HGET', ck, 'batchId')
emit(batchId, ARGV[2], 'started', cjson.encode({attempt = attempts}), ARGV[3], ARGV[4])
logEntry(batchId, ARGV[2], 'started', ARGV[3])
return 'ok'
`;

/** ARGV: P, clipId, progressJson, at, maxlen. Only an active clip reports progress. Returns 1 when written. */
export const progressLua = `${common}
local ck = P .. ':clip:' .. ARGV[2]
if redis.call('HGET', ck, 'status') ~= 'active' then return 0 end
redis.call('HSET', ck, 'progress', ARGV[3])
emit(redis.call('HGET', ck, 'batchId'), ARGV[2], 'progress', '{"progress":' .. ARGV[3] .. '}', ARGV[4], ARGV[5])
return 1
`;

/** ARGV: P, clipId. An active clip goes back to queued (retry, shutdown requeue). Returns 1 when changed. */
export const requeueClipLua = `${common}
local ck = P .. ':clip:' .. ARGV[2]
if redis.call('HGET', ck, 'status') ~= 'active' then return 0 end
redis.call('HSET', ck, 'status', 'queued')
redis.call('HDEL', ck, 'progress')
return 1
`;

/**
 * ARGV: P, clipId, position, etaSeconds ('' = unknown), at, maxlen. Announces a waiting clip's place in line, only
 * while it is still queued: checked atomically, so a `queued` event never follows the clip's `started`.
 */
export const queuedLua = `${common}
local ck = P .. ':clip:' .. ARGV[2]
if redis.call('HGET', ck, 'status') ~= 'queued' then return 0 end
local eta = cjson.null
if ARGV[4] ~= '' then eta = tonumber(ARGV[4]) end
emit(redis.call('HGET', ck, 'batchId'), ARGV[2], 'queued', cjson.encode({position = tonumber(ARGV[3]), etaSeconds = eta}), ARGV[5], ARGV[6])
return 1
`;

/**
 * The one way a clip ends. Idempotent: a clip that already ended is left alone (returns {0}).
 * ARGV: P, clipId, status, fieldsJson, eventType, eventDataJson, at, maxlen, finishedTtlSeconds.
 * Returns {1} when the clip ended, {2, freedInputKey...} when it also ended its batch.
 */
export const finishClipLua = `${common}
local clipId = ARGV[2]
local status = ARGV[3]
local at = ARGV[7]
local maxlen = ARGV[8]
local ttl = tonumber(ARGV[9])
local ck = P .. ':clip:' .. clipId
local st = redis.call('HGET', ck, 'status')
if (not st) or isTerminal(st) then return {0} end
local fields = cjson.decode(ARGV[4])
for k, v in pairs(fields) do redis.call('HSET', ck, k, v) end
redis.call('HSET', ck, 'status', status, 'finishedAt', at)
-- An output a running batch references is held (retention never deletes it) until the batch ends.
if status == 'done' and fields.output then
  local outKey = cjson.decode(fields.output).key
  if outKey then
    redis.call('HSET', ck, 'outputKey', outKey)
    redis.call('HINCRBY', P .. ':outputs:active', outKey, 1)
  end
end
redis.call('HDEL', ck, 'progress')
uncount(ck)
local batchId = redis.call('HGET', ck, 'batchId')
local bk = P .. ':batch:' .. batchId
redis.call('HINCRBY', bk, status, 1)
local finished = redis.call('HINCRBY', bk, 'finished', 1)
emit(batchId, clipId, ARGV[5], ARGV[6], at, maxlen)
if status == 'failed' then
  local err = cjson.decode(fields.error or '{}')
  logEntry(batchId, clipId, 'failed', at, err.code, err.params)
elseif status == 'done' and fields.output and cjson.decode(fields.output).cached then
  logEntry(batchId, clipId, 'cached', at)
else
  logEntry(batchId, clipId, status, at)
end
if finished < tonumber(redis.call('HGET', bk, 'total')) then return {1} end
redis.call('HSET', bk, 'status', 'finished', 'finishedAt', at)
redis.call('SREM', P .. ':batches:active', batchId)
local summary = batchSummary(bk)
emit(batchId, '', 'batchDone', cjson.encode(summary), at, maxlen)
local result = {2}
local ik = bk .. ':inputs'
local heldUntil = tonumber(at) + ttl * 1000
if summary.failed > 0 then
  -- A failed clip may be retried while the batch is kept: its inputs stay counted (and stored) until the batch
  -- expires or is deleted (releaseHeldInputsLua, deleteBatchLua).
  redis.call('ZADD', P .. ':inputs:held', heldUntil, batchId)
else
  releaseInputs(ik, result)
  redis.call('EXPIRE', ik, ttl)
end
local clk = bk .. ':clips'
for _, id in ipairs(redis.call('LRANGE', clk, 0, -1)) do
  local ck2 = P .. ':clip:' .. id
  local outKey = redis.call('HGET', ck2, 'outputKey')
  if outKey then
    -- From now on the output is held for as long as this batch's records (and links) live.
    if redis.call('HINCRBY', P .. ':outputs:active', outKey, -1) <= 0 then redis.call('HDEL', P .. ':outputs:active', outKey) end
    redis.call('ZADD', P .. ':outputs:held', 'GT', heldUntil, outKey)
  end
  local renderKey = redis.call('HGET', ck2, 'renderKey')
  if renderKey then expireOutputBatches(renderKey, ttl) end
  redis.call('EXPIRE', ck2, ttl)
end
redis.call('EXPIRE', bk, ttl)
redis.call('EXPIRE', clk, ttl)
redis.call('EXPIRE', bk .. ':log', ttl)
local user = redis.call('HGET', bk, 'user')
if user then redis.call('EXPIRE', P .. ':history:' .. user, ttl) end
return result
`;
