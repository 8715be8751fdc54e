#!lua flags=no-writes
-- StreamHub history read: one consistent view of a channel (same rules as
-- src/core/retained-channel.ts history), used for replay and for gap fills.
-- Read-only (flags=no-writes, Redis 7+): it may run on a replica and while writes are paused;
-- the ring part is bounded by ARGV[4].
--
-- KEYS[1] meta hash, KEYS[2] ring stream, KEYS[3] snapshot string, KEYS[4] pinned list
-- ARGV: 1 since epoch ('' = none), 2 since offset (exclusive), 3 limit (-1 = none, newest kept),
--       4 most ring entries returned (oldest first when there is no limit)
-- Returns {} for an unknown channel, else { epoch, seq, snapshot|nil, pinned[], oldestId|nil, ring[] }.
local meta, ring, snap, pin = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local epoch = redis.call('HGET', meta, 'ep')
if not epoch then return {} end
local seq = redis.call('HGET', meta, 'seq')
local snapshot = redis.call('GET', snap)
local pinned = redis.call('LRANGE', pin, 0, -1)
local head = redis.call('XRANGE', ring, '-', '+', 'COUNT', 1)[1]
local oldest = false
if head then oldest = head[1] end

-- A position from another epoch says nothing about this generation: read from the start.
local from = '-'
if ARGV[1] == epoch then from = '(' .. ARGV[2] .. '-0' end
local limit, cap = tonumber(ARGV[3]), tonumber(ARGV[4])
local entries = {}
if limit >= 0 then
  if limit > cap then limit = cap end
  if limit > 0 then
    local newest = redis.call('XREVRANGE', ring, '+', from, 'COUNT', limit)
    for i = #newest, 1, -1 do entries[#entries + 1] = newest[i][2][2] end
  end
else
  for _, entry in ipairs(redis.call('XRANGE', ring, from, '+', 'COUNT', cap)) do
    entries[#entries + 1] = entry[2][2]
  end
end
return { epoch, seq, snapshot, pinned, oldest, entries }
