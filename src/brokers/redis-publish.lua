-- StreamHub publish: one atomic step per batch of messages of ONE channel (DESIGN.md § Scale-out),
-- so every node sees one order. For each message, in order, exactly as if it were published alone:
-- allocates the next offset, builds the envelope (src/brokers/envelope.ts, version 1), retains it as
-- its kind says (the same rules as src/core/retained-channel.ts) and evicts the ring's head while
-- it is over a bound. Then, once per batch (issue 17): writes the channel's counters, trims the ring,
-- refreshes the idle TTL when it has run down by more than its slack, and PUBLISHes the batch.
-- Returns { r1, epoch, r2 … rN } (for one message { offset, epoch }, as before batching): ri is the
-- offset of message i, or, for an idempotency key already published inside its window,
-- { offset, kind, time, publishedAt } of the original, which is neither appended nor published
-- again (issue 15 item 3).
--
-- KEYS[1] meta hash (ep epoch, seq last offset, bytes ring bytes incl. overhead, n ring entries,
--         ht time of the ring's oldest entry or '' when not known)
-- KEYS[2] ring stream (entry id = "<offset>-0", one field "e" = envelope)
-- KEYS[3] snapshot string (envelope)
-- KEYS[4] pinned list (envelopes, oldest first)
-- KEYS[5] idempotency hash (key = "<offset> <kind> <time> <publishedAt>" of its publish)
-- KEYS[6] idempotency sorted set (key scored by its offset, to forget the oldest first)
-- ARGV: 1 channel, 2 pub/sub topic, 3 maxMessages, 4 maxBytes, 5 overheadBytes, 6 maxAgeMs,
--       7 maxPinned, 8 idleTtlMs, 9 epoch candidate (used only when the channel has no epoch yet),
--       10 idempotency window ms, 11 most idempotency keys kept per channel,
--       12 the batch's messages packed in one string (issue 17: one argument per call, not five per
--       message: Redis parses, allocates and interns each argument), each message as
--       "<kind code>\0<time>\0<publishedAt>\0<idempotency key or ''>\0<payload bytes>\0<payload>"
--       (numbers in decimal as the node wrote them; read with struct.unpack's 's' and 'c0').
-- Pub/sub: one message alone is published as its envelope; several as one batch frame
-- (byte 2, then per envelope its length as u32 big-endian and the envelope; src/brokers/REDIS.md).
local meta, ring, snap, pin, idem, idemAge = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local channel, topic = ARGV[1], ARGV[2]
local maxMessages, maxBytes, overhead = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local maxAge, maxPinned, ttl = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
local idemWindow, idemMax = tonumber(ARGV[10]), tonumber(ARGV[11])
local batch = ARGV[12]

-- The epoch belongs to the channel's data: a flush, a failover to an empty replica or an idle
-- expiry removes the meta hash, and the next publish starts a new epoch at offset 1.
-- The idempotency keys belong to the generation too: a resend after a data loss is published again.
local state = redis.call('HMGET', meta, 'ep', 'seq', 'n', 'cum', 'hb', 'ob', 'ht', 'lg', 'bytes')
local epoch = state[1]
-- count: ring entries; cum: payload bytes appended to the ring since it was last cleared, each
-- entry carrying in its field "b" the cum before it; hb: the head entry's "b"; ob: overhead bytes,
-- added at each append and taken at each eviction with the policy of the moment, as the memory
-- broker does. The ring's bytes are cum - hb + ob. headTime: the head entry's time (nil: not
-- known, read when needed).
local seq, count, cum, hb, ob, headTime, legacy = 0, 0, 0, 0, 0, nil, nil
local fresh = not epoch
if fresh then
  epoch = ARGV[9]
  redis.call('DEL', ring, snap, pin, idem, idemAge)
else
  seq = tonumber(state[2])
  count, cum, hb, ob = tonumber(state[3]), tonumber(state[4]), tonumber(state[5]), tonumber(state[6])
  headTime, legacy = tonumber(state[7]), tonumber(state[8])
  if cum == nil then
    -- Written before issue 17 (fields ep, seq, bytes only): its entries have no "b"; until they
    -- are evicted (legacy = the last such offset), eviction reads their sizes one by one.
    count, cum, hb, ob, legacy = redis.call('XLEN', ring), tonumber(state[9]) or 0, 0, 0, seq
  end
end
local header = 29 + #epoch + #channel -- envelope bytes before the payload (envelope.ts)
local envTail = epoch .. struct.pack('>H', #channel) .. channel -- the same for every message of the batch
-- Keys (re)created by this batch: they get the channel's remaining TTL (below).
local created = {}

-- The ring's head, read ahead: entries [hi..#heads] are the oldest still in the ring, `cursor` the
-- last id read. Eviction by count trims without reading (XTRIM MAXLEN, the sizes are in "b");
-- by bytes or age it reads only what it evicts, plus one.
local heads, hi, cursor, readSize = {}, 1, '-', 2
local function head()
  if hi > #heads then
    heads, hi = redis.call('XRANGE', ring, cursor, '+', 'COUNT', readSize), 1
    if readSize < 1024 then readSize = readSize * 2 end
    if #heads == 0 then return nil end
    cursor = '(' .. heads[#heads][1]
  end
  return heads[hi]
end
local function forgetHeads()
  heads, hi, cursor, readSize = {}, 1, '-', 2
end
-- The "b" of a ring entry, or nil for one written before issue 17.
local function entryB(h)
  local f = h[2]
  if f[3] == 'b' then return tonumber(f[4]) end
  return nil
end
local function learnHead(h)
  headTime = struct.unpack('>d', h[2][2], 11)
  local b = entryB(h)
  if b ~= nil then
    hb = b
    if legacy ~= nil and tonumber(string.match(h[1], '^(%d+)')) > legacy then legacy = nil end
  end
end
local function clearRing()
  forgetHeads()
  count, cum, hb, ob, headTime, legacy = 0, 0, 0, 0, nil, nil
end

-- Evicts from the head while over count or bytes, or older than `time` minus maxAge: exactly what
-- evicting after each message would leave, when called after a run of messages whose times do not
-- decrease (each bound only tightens along such a run), with `time` the run's last.
local function evict(time)
  if count > maxMessages and legacy == nil then
    redis.call('XTRIM', ring, 'MAXLEN', maxMessages)
    ob = ob - (count - maxMessages) * overhead
    count = maxMessages
    forgetHeads()
    readSize = 1 -- the new head only: what most batches need (more is read if bytes or age evict)
    local h = head()
    if h == nil then count, hb = 0, cum else learnHead(h) end
  end
  local last = nil
  while count > 0 do
    local over = count > maxMessages or cum - hb + ob > maxBytes
    if not over and maxAge > 0 then
      if headTime == nil then
        local h = head()
        if h == nil then count, hb = 0, cum break end
        learnHead(h)
      end
      over = headTime < time - maxAge
    end
    if not over then break end
    local h = head()
    if h == nil then count, hb = 0, cum break end -- a counter out of step with the stream: it is empty
    if entryB(h) == nil then hb = hb + (#h[2][2] - header) end
    ob = ob - overhead
    count = count - 1
    last = h[1]
    hi = hi + 1
    headTime = nil
    if count == 0 then hb = cum else
      local nextHead = head()
      if nextHead == nil then count, hb = 0, cum else learnHead(nextHead) end
    end
  end
  if last then
    -- MINID keeps ids >= the threshold; "<n>-1" is just above the last evicted "<n>-0".
    redis.call('XTRIM', ring, 'MINID', string.sub(last, 1, -3) .. '-1')
  end
end

-- Idempotency: keys published at or before now minus the window (publishedAt, the publishing
-- node's clock) are forgotten oldest first, once per batch: the sorted set is in offset order,
-- which is publish order. At most 64 per batch, so that one batch after a long pause stays short.
local forgotten, idemCount = fresh, nil
local function forget(cutoff)
  forgotten = true
  for _ = 1, 64 do
    local oldest = redis.call('ZRANGE', idemAge, 0, 0)
    if #oldest == 0 then break end
    local at = tonumber(string.match(redis.call('HGET', idem, oldest[1]) or '', '(%S+)$') or '')
    if at ~= nil and at > cutoff then break end
    redis.call('HDEL', idem, oldest[1])
    redis.call('ZREM', idemAge, oldest[1])
  end
end

local reply, envelopes, runTime = {}, {}, nil
local pos, batchEnd = 1, #batch
while pos <= batchEnd do
  local kindText, timeText, publishedAtText, idemKey, payload
  kindText, timeText, publishedAtText, idemKey, payload, pos = struct.unpack('sssssc0', batch, pos)
  local kind, time, publishedAt = tonumber(kindText), tonumber(timeText), tonumber(publishedAtText)
  local duplicate = nil
  if idemKey ~= '' then
    local cutoff = publishedAt - idemWindow
    if not forgotten then forget(cutoff) end
    local seen = redis.call('HGET', idem, idemKey)
    if seen then
      local o, k, t, p = string.match(seen, '^(%S+) (%S+) (%S+) (%S+)$')
      -- A key not yet forgotten (past the 64 above) but outside the window is published again.
      if o and tonumber(p) > cutoff then duplicate = { tonumber(o), tonumber(k), t, p } end
    end
  end
  if duplicate then
    reply[#reply + 1] = duplicate
  else
    seq = seq + 1
    local offset = seq
    local env = struct.pack('>BBdddB', 1, kind, offset, time, publishedAt, #epoch) .. envTail .. payload

    if kind == 4 then -- reset: clears snapshot, pinned list and ring (evicting before it changes nothing)
      redis.call('DEL', ring, snap, pin)
      clearRing()
      runTime = nil
    elseif kind == 1 then -- snapshot: replaces the slot and starts a new generation of history
      redis.call('DEL', ring, pin)
      redis.call('SET', snap, env)
      created[snap] = true
      clearRing()
      runTime = nil
    elseif kind == 0 or kind == 2 then
      if kind == 2 then
        local pinned = redis.call('RPUSH', pin, env)
        if pinned == 1 then created[pin] = true end
        if maxPinned <= 0 then redis.call('DEL', pin)
        elseif pinned > maxPinned then redis.call('LTRIM', pin, -maxPinned, -1) end
      end
      -- A time below the run's: settle the run first (eviction is per message, see evict).
      if runTime ~= nil and time < runTime then evict(runTime) end
      runTime = time
      redis.call('XADD', ring, string.format('%d-0', offset), 'e', env, 'b', string.format('%d', cum))
      if count == 0 then
        created[ring] = true
        hb, headTime = cum, time
      end
      count = count + 1
      cum = cum + #payload
      ob = ob + overhead
    end

    if idemKey ~= '' then
      if idemCount == nil then
        idemCount = redis.call('ZCARD', idemAge)
        if idemCount == 0 then created[idem], created[idemAge] = true, true end
      end
      redis.call('HSET', idem, idemKey, offset .. ' ' .. kind .. ' ' .. timeText .. ' ' .. publishedAtText)
      idemCount = idemCount + redis.call('ZADD', idemAge, offset, idemKey)
      if idemCount > idemMax then
        local gone = redis.call('ZPOPMIN', idemAge, idemCount - idemMax)
        for g = 1, #gone, 2 do redis.call('HDEL', idem, gone[g]) end
        idemCount = idemMax
      end
    end
    envelopes[#envelopes + 1] = env
    reply[#reply + 1] = offset
  end
end

table.insert(reply, 2, epoch)
if #envelopes == 0 then return reply end -- only repeats: nothing changed

if runTime ~= nil then evict(runTime) end
-- The head's time, when known for free, spares the next batch a read when only age could evict.
if headTime == nil and count > 0 and hi <= #heads then learnHead(heads[hi]) end
local int = function(n) return string.format('%d', n) end
local fields = { 'seq', int(seq), 'n', int(count), 'cum', int(cum), 'hb', int(hb), 'ob', int(ob), 'ht', headTime and string.format('%.17g', headTime) or '' }
if legacy ~= nil then
  fields[#fields + 1], fields[#fields + 2] = 'lg', int(legacy)
elseif tonumber(state[8]) ~= nil or state[9] then
  redis.call('HDEL', meta, 'lg', 'bytes')
end
if fresh then fields[#fields + 1], fields[#fields + 2] = 'ep', epoch end
redis.call('HSET', meta, unpack(fields))

-- Idle expiry: every key of the channel lives idleTtlMs past its last publish (0 = forever), to
-- within a slack of min(1 s, idleTtlMs / 10): the TTLs are refreshed only when the meta hash's has
-- run down by more than that (issue 17: not six PEXPIREs per publish). Keys this batch created get
-- the meta hash's remaining TTL, so all of them expire together.
if ttl > 0 then
  local left = fresh and -1 or redis.call('PTTL', meta)
  if left < ttl - math.min(1000, math.floor(ttl / 10)) or left > ttl then
    for _, key in ipairs({ meta, ring, snap, pin, idem, idemAge }) do redis.call('PEXPIRE', key, ttl) end
  else
    for key in pairs(created) do redis.call('PEXPIRE', key, left) end
  end
elseif not fresh and redis.call('PTTL', meta) >= 0 then
  for _, key in ipairs({ meta, ring, snap, pin, idem, idemAge }) do redis.call('PERSIST', key) end
end

if #envelopes == 1 then
  redis.call('PUBLISH', topic, envelopes[1])
else
  local frame = { '\2' }
  for _, env in ipairs(envelopes) do
    frame[#frame + 1] = struct.pack('>I4', #env)
    frame[#frame + 1] = env
  end
  redis.call('PUBLISH', topic, table.concat(frame))
end
return reply
