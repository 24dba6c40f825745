/**
 * Lua for what users do with their past batches (retry a failed clip, delete a batch) and for the records that
 * outlive a batch's run (input holds, the per-user history index). Same conventions as scripts.ts: every key
 * derives from ARGV[1], each script is one atomic step.
 */
import { common } from './scripts.js';

/**
 * A failed clip goes back to 'queued' (the caller has reserved its priority and adds the job right after).
 * A finished batch runs again: it is active, its records no longer expire, its done clips' outputs count as used by
 * a running batch again, and the inputs it kept (held at its end because of the failure) stay counted by it.
 * ARGV: P, clipId, priority, at. Returns 'ok' | 'missing' | 'not-failed' | 'inputs-gone'.
 */
export const retryClipLua = `${common}
local clipId = ARGV[2]
local at = ARGV[4]
local ck = P .. ':clip:' .. clipId
local st = redis.call('HGET', ck, 'status')
if not st then return 'missing' end
if st ~= 'failed' then return 'not-failed' end
local batchId = redis.call('HGET', ck, 'batchId')
local bk = P .. ':batch:' .. batchId
local bst = redis.call('HGET', bk, 'status')
if not bst then return 'missing' end
local clk = bk .. ':clips'
if bst == 'finished' then
  if redis.call('ZREM', P .. ':inputs:held', batchId) == 0 then return 'inputs-gone' end
  redis.call('HSET', bk, 'status', 'running')
  redis.call('HDEL', bk, 'finishedAt')
  redis.call('SADD', P .. ':batches:active', batchId)
  for _, k in ipairs({bk, clk, bk .. ':inputs', bk .. ':log'}) do redis.call('PERSIST', k) end
  for _, id in ipairs(redis.call('LRANGE', clk, 0, -1)) do
    local ck2 = P .. ':clip:' .. id
    redis.call('PERSIST', ck2)
    local outKey = redis.call('HGET', ck2, 'outputKey')
    if outKey then redis.call('HINCRBY', P .. ':outputs:active', outKey, 1) end
    local renderKey = redis.call('HGET', ck2, 'renderKey')
    if renderKey then redis.call('PERSIST', P .. ':outputbatches:' .. renderKey) end
  end
end
redis.call('HINCRBY', bk, 'failed', -1)
redis.call('HINCRBY', bk, 'finished', -1)
-- createdAt restarts: the reconciler leaves a clip this young alone while its job is being added.
redis.call('HSET', ck, 'status', 'queued', 'priority', ARGV[3], 'counted', 1, 'createdAt', at)
redis.call('HDEL', ck, 'error', 'output', 'outputKey', 'progress', 'startedAt', 'finishedAt', 'cancelRequested', 'cancelledBy')
logEntry(batchId, clipId, 'retried', at)
return 'ok'
`;

/**
 * Removes a batch's records: the batch, its clips, its input references (while it still counted them), its log and
 * history entry. Clips still ending (an active clip its worker is aborting) are settled here: their own ending will
 * find no record. A batch that was still running gets its batchDone, so whoever follows it stops waiting.
 * ARGV: P, batchId, at, maxlen.
 * Returns {freedInputKeys, freeOutputKeys}: inputs no batch counts any more, and outputs no other existing batch
 * references (the caller deletes those files).
 */
export const deleteBatchLua = `${common}
local batchId = ARGV[2]
local bk = P .. ':batch:' .. batchId
local st = redis.call('HGET', bk, 'status')
if not st then return {{}, {}} end
local running = st ~= 'finished'
local clk = bk .. ':clips'
local ik = bk .. ':inputs'
local summary = batchSummary(bk)
local renderKeys = {}
for _, id in ipairs(redis.call('LRANGE', clk, 0, -1)) do
  local ck = P .. ':clip:' .. id
  local cst = redis.call('HGET', ck, 'status')
  if cst and not isTerminal(cst) then
    uncount(ck)
    summary.cancelled = summary.cancelled + 1
  end
  if running then
    local outKey = redis.call('HGET', ck, 'outputKey')
    if outKey and redis.call('HINCRBY', P .. ':outputs:active', outKey, -1) <= 0 then redis.call('HDEL', P .. ':outputs:active', outKey) end
  end
  local renderKey = redis.call('HGET', ck, 'renderKey')
  if renderKey then renderKeys[renderKey] = true end
  redis.call('DEL', ck)
end
local freedInputs = {}
local held = redis.call('ZREM', P .. ':inputs:held', batchId) == 1
if running or held then releaseInputs(ik, freedInputs) end
if running then emit(batchId, '', 'batchDone', cjson.encode(summary), ARGV[3], ARGV[4]) end
local user = redis.call('HGET', bk, 'user')
if user then redis.call('ZREM', P .. ':history:' .. user, batchId) end
redis.call('DEL', bk, clk, ik, bk .. ':log')
redis.call('SREM', P .. ':batches:active', batchId)
local freeOutputs = {}
for renderKey in pairs(renderKeys) do
  local sk = P .. ':outputbatches:' .. renderKey
  redis.call('SREM', sk, batchId)
  local shared = false
  for _, other in ipairs(redis.call('SMEMBERS', sk)) do
    if redis.call('EXISTS', P .. ':batch:' .. other) == 1 then shared = true else redis.call('SREM', sk, other) end
  end
  if not shared then
    redis.call('ZREM', P .. ':outputs:held', renderKey)
    table.insert(freeOutputs, renderKey)
  end
end
return {freedInputs, freeOutputs}
`;

/**
 * Ends the input hold of a batch that finished with a failed clip (normally once it expired): its inputs are no
 * longer counted by it. ARGV: P, batchId. Returns the input keys no batch counts any more (retention removes them).
 */
export const releaseHeldInputsLua = `${common}
local batchId = ARGV[2]
if redis.call('ZREM', P .. ':inputs:held', batchId) == 0 then return {} end
local bk = P .. ':batch:' .. batchId
local ik = bk .. ':inputs'
local freed = {}
releaseInputs(ik, freed)
local ttl = redis.call('PTTL', bk)
if ttl > 0 then redis.call('PEXPIRE', ik, ttl) else redis.call('DEL', ik) end
return freed
`;

/** Drops history entries whose batch expired or was deleted. ARGV: P, userRef. Returns how many remain. */
export const pruneHistoryLua = `${common}
local hk = P .. ':history:' .. ARGV[2]
for _, id in ipairs(redis.call('ZRANGE', hk, 0, -1)) do
  if redis.call('EXISTS', P .. ':batch:' .. id) == 0 then redis.call('ZREM', hk, id) end
end
return redis.call('ZCARD', hk)
`;
