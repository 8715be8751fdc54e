-- StreamHub publish: one atomic step per message (DESIGN.md § Scale-out), so every node sees one order.
-- Allocates the next offset, builds the envelope (src/brokers/envelope.ts, version 1), retains it as
-- its kind says (the same rules as src/core/retained-channel.ts), refreshes the idle TTL and
-- PUBLISHes the envelope. Returns { offset, epoch }.
--
-- KEYS[1] meta hash (ep = channel epoch, seq = last offset, bytes = ring bytes incl. overhead)
-- KEYS[2] ring stream (entry id = "<offset>-0", one field "e" = envelope)
-- KEYS[3] snapshot string (envelope)
-- KEYS[4] pinned list (envelopes, oldest first)
-- ARGV: 1 channel, 2 pub/sub topic, 3 kind code, 4 time, 5 publishedAt, 6 payload,
--       7 maxMessages, 8 maxBytes, 9 overheadBytes, 10 maxAgeMs, 11 maxPinned, 12 idleTtlMs,
--       13 epoch candidate (used only when the channel has no epoch yet)
local meta, ring, snap, pin = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local channel, topic = ARGV[1], ARGV[2]
local kind = tonumber(ARGV[3])
local time, publishedAt = tonumber(ARGV[4]), tonumber(ARGV[5])
local payload = ARGV[6]
local maxMessages, maxBytes, overhead = tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9])
local maxAge, maxPinned, ttl = tonumber(ARGV[10]), tonumber(ARGV[11]), tonumber(ARGV[12])

-- The epoch belongs to the channel's data: a flush, a failover to an empty replica or an idle
-- expiry removes the meta hash, and the next publish starts a new epoch at offset 1.
local epoch = redis.call('HGET', meta, 'ep')
if not epoch then
  epoch = ARGV[13]
  redis.call('DEL', ring, snap, pin)
  redis.call('HSET', meta, 'ep', epoch, 'seq', 0, 'bytes', 0)
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
if ttl > 0 then
  for _, key in ipairs({ meta, ring, snap, pin }) do redis.call('PEXPIRE', key, ttl) end
elseif redis.call('PTTL', meta) >= 0 then
  for _, key in ipairs({ meta, ring, snap, pin }) do redis.call('PERSIST', key) end
end

redis.call('PUBLISH', topic, env)
return { offset, epoch }
