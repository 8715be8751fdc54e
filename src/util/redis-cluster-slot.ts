/**
 * The Redis Cluster slot of a key (issue 17 "Past one Redis" (b)): CRC16 (XMODEM) of the key's
 * hash tag, or of the whole key when it has none, mod 16 384 (Redis Cluster specification, "Keys
 * distribution model" and "Hash tags"). Used to group commands and pub/sub topics by slot: one
 * SSUBSCRIBE, or one script call, must name a single slot.
 */

/** Slots of a Redis Cluster. */
export const CLUSTER_SLOTS = 16_384;

const TABLE = (() => {
  const table = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let crc = i << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    table[i] = crc;
  }
  return table;
})();

function crc16(bytes: Uint8Array, start: number, end: number): number {
  let crc = 0;
  for (let i = start; i < end; i++) crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ bytes[i]!) & 0xff]!;
  return crc;
}

/**
 * The slot of `key`. Only the part between the first `{` and the next `}` is hashed when it is
 * not empty (the spec's hash tag rule), so `p{ch}:meta` and `p{ch}:pub` share a slot.
 */
export function keySlot(key: string | Uint8Array): number {
  const bytes = typeof key === 'string' ? Buffer.from(key) : key;
  const open = bytes.indexOf(0x7b);
  if (open >= 0) {
    const close = bytes.indexOf(0x7d, open + 1);
    if (close > open + 1) return crc16(bytes, open + 1, close) % CLUSTER_SLOTS;
  }
  return crc16(bytes, 0, bytes.length) % CLUSTER_SLOTS;
}
