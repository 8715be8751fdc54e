-- StreamHub publish: one atomic step per message (DESIGN.md § Scale-out), so every node sees one order.
-- Allocates the next offset, builds the envelope (src/brokers/envelope.ts, version 1), retains it as
-- its kind says (the same rules as src/core/retained-channel.ts), refreshes the idle TTL and
-- PUBLISHes the envelope. Returns { offset, epoch }, or, for an idempotency key already published
-- inside its window, { offset, epoch, 1, kind, time, publishedAt } of the original, which is neither
-- appended nor published again (issue 15 item 3).
--
-- KEYS[1] meta hash (ep = channel epoch, seq = last offset, bytes = ring bytes incl. overhead)
-- KEYS[2] ring stream (entry id = "<offset>-0", one field "e" = envelope)
-- KEYS[3] snapshot string (envelope)
-- KEYS[4] pinned list (envelopes, oldest first)
-- KEYS[5] idempotency hash (key = "<offset> <kind> <time> <publishedAt>" of its publish)
-- KEYS[6] idempotency sorted set (key scored by its offset, to forget the oldest first)
-- ARGV: 1 channel, 2 pub/sub topic, 3 kind code, 4 time, 5 publishedAt, 6 payload,
--       7 maxMessages, 8 maxBytes, 9 overheadBytes, 10 maxAgeMs, 11 maxPinned, 12 idleTtlMs,
--       13 epoch candidate (used only when the channel has no epoch yet),
--       14 idempotency key ('' for none), 15 idempotency window ms, 16 most keys kept per channel
local meta, ring, snap, pin, idem, idemAge = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local idemKey, idemWindow, idemMax = ARGV[14], tonumber(ARGV[15]), tonumber(ARGV[16])
local channel, topic = ARGV[1], ARGV[2]
local kind = tonumber(ARGV[3])
local time, publishedAt = tonumber(ARGV[4]), tonumber(ARGV[5])
local payload = ARGV[6]
local maxMessages, maxBytes, overhead = tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9])
local maxAge, maxPinned, ttl = tonumber(ARGV[10]), tonumber(ARGV[11]), tonumber(ARGV[12])

-- The epoch belongs to the channel's data: a flush, a failover to an empty replica or an idle
-- expiry removes the meta hash, and the next publish starts a new epoch at offset 1.
-- The idempotency keys belong to the generation too: a resend after a data loss is published again.
local epoch = redis.call('HGET', meta, 'ep')
if not epoch then
  epoch = ARGV[13]
  redis.call('DEL', ring, snap, pin, idem, idemAge)
  redis.call('HSET', meta, 'ep', epoch, 'seq', 0, 'bytes', 0)
elseif idemKey ~= '' then
  -- Forget keys published at or before now minus the window (publishedAt, the publishing node's
  -- clock), oldest first: the sorted set is in offset order, which is publish order. At most 64
  -- per publish, so that one publish after a long pause stays short; the rest go with the next ones.
  local cutoff = publishedAt - idemWindow
  for _ = 1, 64 do
    local oldest = redis.call('ZRANGE', idemAge, 0, 0)
    if #oldest == 0 then break end
    local at = tonumber(string.match(redis.call('HGET', idem, oldest[1]) or '', '(%S+)$') or '')
    if at ~= nil and at > cutoff then break end
    redis.call('HDEL', idem, oldest[1])
    redis.call('ZREM', idemAge, oldest[1])
  end
  local seen = redis.call('HGET', idem, idemKey)
  if seen then
    local o, k, t, p = string.match(seen, '^(%S+) (%S+) (%S+) (%S+)$')
    -- A key not yet forgotten (past the 64 above) but outside the window is published again.
    if o and tonumber(p) > cutoff then return { tonumber(o), epoch, 1, tonumber(k), t, p } end
  end
end
local offset = redis.call('HINCRBY', meta, 'seq', 1)
local env = struct.pack('>BBdddB', 1, kind, offset, time, publishedAt, #epoch) .. epoch
  .. struct.pack('>H', #channel) .. channel .. payload
local header = #env - #payload

if kind == 4 then -- reset: clears snapshot, pinned list and ring
  redis.call('DEL', ring, snap, pin)
  redis.call('HSET', meta, 'bytes', 0)
elseif kind == 1 then -- snapshot: replaces the slot and starts a new generation of history
  redis.call('DEL', ring, pin)
  redis.call('SET', snap, env)
  redis.call('HSET', meta, 'bytes', 0)
elseif kind == 0 or kind == 2 then
  if kind == 2 then
    redis.call('RPUSH', pin, env)
    if maxPinned > 0 then redis.call('LTRIM', pin, -maxPinned, -1) else redis.call('DEL', pin) end
  end
  redis.call('XADD', ring, string.format('%d-0', offset), 'e', env)
  local bytes = redis.call('HINCRBY', meta, 'bytes', #payload + overhead)
  local count = redis.call('XLEN', ring)
  -- Evict from the head while over count or bytes, or older than the newest time minus maxAge.
  -- Reads 1 entry, then 2, 4 … up to 1024 per call: the usual single eviction costs one small
  -- read, and a mass eviction (a long-quiet channel, a lowered bound) few calls.
  local cursor, last, batch, done = '-', nil, 1, false
  while not done and count > 0 do
    if maxAge <= 0 and count <= maxMessages and bytes <= maxBytes then break end
    local entries = redis.call('XRANGE', ring, cursor, '+', 'COUNT', batch)
    if #entries == 0 then break end
    for _, head in ipairs(entries) do
      local old = head[2][2]
      local over = count > maxMessages or bytes > maxBytes
      if not over and (maxAge <= 0 or struct.unpack('>d', old, 11) >= time - maxAge) then
        done = true
        break
      end
      bytes = bytes - (#old - header) - overhead
      count = count - 1
      last = head[1]
    end
    if last then cursor = '(' .. last end
    if batch < 1024 then batch = batch * 2 end
  end
  if last then
    -- MINID keeps ids >= the threshold; "<n>-1" is just above the last evicted "<n>-0".
    redis.call('XTRIM', ring, 'MINID', string.sub(last, 1, -3) .. '-1')
    redis.call('HSET', meta, 'bytes', bytes)
  end
end

-- Idle expiry: every key of the channel lives idleTtlMs past its last publish (0 = forever).
-- With 0, the keys are made persistent only if an earlier publish had set a TTL (one PTTL, not four PERSISTs).
if idemKey ~= '' then
  redis.call('HSET', idem, idemKey, offset .. ' ' .. kind .. ' ' .. ARGV[4] .. ' ' .. ARGV[5])
  redis.call('ZADD', idemAge, offset, idemKey)
  local excess = redis.call('ZCARD', idemAge) - idemMax
  if excess > 0 then
    local gone = redis.call('ZPOPMIN', idemAge, excess)
    for i = 1, #gone, 2 do redis.call('HDEL', idem, gone[i]) end
  end
end

if ttl > 0 then
  for _, key in ipairs({ meta, ring, snap, pin, idem, idemAge }) do redis.call('PEXPIRE', key, ttl) end
elseif redis.call('PTTL', meta) >= 0 then
  for _, key in ipairs({ meta, ring, snap, pin, idem, idemAge }) do redis.call('PERSIST', key) end
end

redis.call('PUBLISH', topic, env)
return { offset, epoch }
