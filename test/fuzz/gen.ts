/**
 * A small seeded generator for the fuzz suites (issue #10: no fast-check; our own generator).
 * Every case is a pure function of the seed, so a failure prints a seed that reproduces it:
 * `FUZZ_SEED=1234 node --import tsx test/run.ts test/fuzz`.
 */

/** mulberry32: a 32-bit seedable PRNG, good enough to spread test inputs (not for secrets). */
export class Rng {
  #state: number;

  constructor(readonly seed: number) {
    this.#state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  bool(p = 0.5): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)]!;
  }

  bytes(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) out[i] = this.int(0, 255);
    return out;
  }

  /** A child generator, so one case's draws do not shift the next case's. */
  fork(): Rng {
    return new Rng(this.int(0, 0xffffffff));
  }
}

/** The seed for this run: FUZZ_SEED, else a fresh one (printed by the suites for reproduction). */
export function runSeed(): number {
  const fromEnv = process.env.FUZZ_SEED;
  return fromEnv ? Number(fromEnv) >>> 0 : (Date.now() ^ (process.pid << 16)) >>> 0;
}

/** Cases per property: FUZZ_CASES, else the CI default (small: the whole suite stays well under 2 minutes). */
export function caseCount(ciDefault: number): number {
  const n = Number(process.env.FUZZ_CASES);
  return Number.isInteger(n) && n > 0 ? n : ciDefault;
}

const ASCII = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const NASTY = ['', '.', '..', '%00', '%2e%2e', '%ff', '//', '\\', ' ', '\t', '?', '#', '&', '=', ';', ':', '@', '*', '~', '%', '%%', '\u00e9', '\u202e', '😀'];

/** A string of `n` characters from `alphabet`. */
export function word(rng: Rng, n: number, alphabet = ASCII): string {
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet[rng.int(0, alphabet.length - 1)];
  return s;
}

/** One path segment: usually plain, sometimes hostile (traversal, encodings, unicode, very long). */
export function segment(rng: Rng): string {
  const roll = rng.int(0, 9);
  if (roll < 5) return word(rng, rng.int(1, 12));
  if (roll < 8) return rng.pick(NASTY) + word(rng, rng.int(0, 4));
  if (roll < 9) return word(rng, rng.int(129, 600));
  return encodeURIComponent(rng.pick(NASTY));
}

/** A request path: 0–6 segments, optional trailing slash, optional query string. */
export function path(rng: Rng): string {
  const parts = Array.from({ length: rng.int(0, 6) }, () => segment(rng));
  let p = '/' + parts.join('/');
  if (rng.bool(0.2)) p += '/';
  if (rng.bool(0.3)) p += '?' + query(rng);
  // A request line carries printable ASCII only (Node answers 400 to the rest, tested on their own):
  // anything else is sent percent-encoded, as a client would.
  return p.replace(/[^\x21-\x7e]/gu, (c) => encodeURIComponent(c));
}

/** A query string with repeated, empty, encoded and unbalanced pairs. */
export function query(rng: Rng): string {
  const pairs = Array.from({ length: rng.int(0, 5) }, () => {
    const k = rng.bool(0.8) ? word(rng, rng.int(0, 8)) : rng.pick(NASTY);
    return rng.bool(0.7) ? `${k}=${rng.bool(0.8) ? word(rng, rng.int(0, 16)) : rng.pick(NASTY)}` : k;
  });
  return pairs.join(rng.bool(0.9) ? '&' : ';').replace(/[^\x21-\x7e]|#/gu, (c) => encodeURIComponent(c));
}

/** Header lines for an upgrade, each field possibly missing or wrong ([RFC 6455 §4.1] items 2–9). */
export function upgradeHeaders(rng: Rng): { lines: string[]; valid: boolean } {
  const key = rng.pick([Buffer.from(rng.bytes(16)).toString('base64'), '', 'short', 'dGhlIHNhbXBsZSBub25jZQ==', '!!!!', word(rng, 40)]);
  const version = rng.pick(['13', '13', '8', '', '14', 'x', '13, 8']);
  const upgrade = rng.pick(['websocket', 'websocket', 'WebSocket', 'h2c', '', 'websocket, foo']);
  const connection = rng.pick(['Upgrade', 'Upgrade', 'keep-alive, Upgrade', 'close', '']);
  const lines = ['Host: 127.0.0.1'];
  if (upgrade) lines.push(`Upgrade: ${upgrade}`);
  if (connection) lines.push(`Connection: ${connection}`);
  if (key) lines.push(`Sec-WebSocket-Key: ${key}`);
  if (version) lines.push(`Sec-WebSocket-Version: ${version}`);
  for (let i = rng.int(0, 3); i > 0; i--) lines.push(`X-${word(rng, 6)}: ${word(rng, rng.int(0, 30))}`);
  const keyOk = Buffer.from(key, 'base64').length === 16 && /^[A-Za-z0-9+/]{22}==$/.test(key);
  // `ws` also accepts the hybi-08 version 8 beside 13 [RFC 6455 §4.4 lets a server pick its versions];
  // the Upgrade token is case-insensitive [RFC 6455 §4.2.1 item 3].
  const valid = keyOk && (version === '13' || version === '8') && upgrade.toLowerCase() === 'websocket' && /upgrade/i.test(connection);
  return { lines: rng.bool(0.5) ? rng.pick([lines, shuffle(rng, lines)]) : lines, valid };
}

function shuffle<T>(rng: Rng, items: T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** A request line that is not a valid HTTP/1.1 request line. */
export function badRequestLine(rng: Rng): string {
  return rng.pick([
    'GARBAGE',
    `GET ${word(rng, 5)}`,
    'GET / HTTP/9.9',
    `${word(rng, 3)} / HTTP/1.1 extra`,
    'GET /\x00 HTTP/1.1',
    ' / HTTP/1.1',
    `GET /${'a'.repeat(rng.int(1, 20))} HTTP/1.1\r\nBad Header Without Colon`,
    'GET / HTTP/1.1\r\nContent-Length: -5',
    'GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3',
    rng.bytes(rng.int(1, 40)).toString('latin1').replace(/\r\n\r\n/g, ''),
  ]);
}

/** A JSON value of bounded depth: the shapes clients send when they are wrong. */
export function json(rng: Rng, depth = 3): unknown {
  const roll = rng.int(0, depth > 0 ? 8 : 5);
  switch (roll) {
    case 0:
      return null;
    case 1:
      return rng.bool();
    case 2:
      return rng.pick([0, -1, 1.5, 2 ** 53, -0, 1e308, rng.int(-1000, 1000)]);
    case 3:
      return word(rng, rng.int(0, 20));
    case 4:
      return rng.pick(NASTY);
    case 5:
      return rng.int(-2, 2);
    case 6:
    case 7: {
      const o: Record<string, unknown> = {};
      for (let i = rng.int(0, 4); i > 0; i--) o[rng.pick(['op', 'type', 'channels', 'c', 'd', word(rng, 4), '__proto__', 'constructor'])] = json(rng, depth - 1);
      return o;
    }
    default:
      return Array.from({ length: rng.int(0, 4) }, () => json(rng, depth - 1));
  }
}

/** Bytes that are not valid UTF-8: lone continuation bytes, overlongs, surrogates, truncated sequences. */
export function invalidUtf8(rng: Rng): Buffer {
  const bad = rng.pick([[0x80], [0xc0, 0xaf], [0xe0, 0x80, 0xaf], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xff], [0xe2, 0x82], [0xf4, 0x90, 0x80, 0x80]]);
  const before = Buffer.from(word(rng, rng.int(0, 10)));
  return Buffer.concat([before, Buffer.from(bad), Buffer.from(word(rng, rng.int(0, 10)))]);
}

/** A frame size around the interesting boundaries of a limit: just under, at, just over, far over. */
export function frameSize(rng: Rng, limit: number): number {
  return rng.pick([0, 1, 125, 126, limit - 1, limit, limit + 1, limit * 2, Math.min(limit * 16, 4 * 1024 * 1024), 65_535, 65_536]).valueOf();
}

/**
 * JSON text nested `depth` levels deep (issue 20): a random chain of arrays and objects (random
 * keys, siblings now and then) around a scalar. Built as text, never through JSON.stringify, which
 * overflows the stack on exactly these values.
 */
export function deepJson(rng: Rng, depth: number): string {
  const open: string[] = [];
  const close: string[] = [];
  for (let i = 0; i < depth; i++) {
    const sibling = rng.bool(0.05) ? (rng.bool() ? '0,' : '"s",') : '';
    if (rng.bool()) {
      open.push(`[${sibling}`);
      close.push(']');
    } else {
      const key = JSON.stringify(rng.bool(0.9) ? word(rng, rng.int(1, 3)) : rng.pick(NASTY));
      open.push(`{${sibling ? `"k${i}":${sibling}` : ''}${key}:`);
      close.push('}');
    }
  }
  return `${open.join('')}${rng.pick(['null', '1', '"x"', '[]', '{}'])}${close.reverse().join('')}`;
}

/** A nesting depth past `maxDepth`: just past it, or far past it (up to what `maxBytes` of text can hold). */
export function deepDepth(rng: Rng, maxDepth: number, maxBytes: number): number {
  // About 6 bytes a level at most (`{"ab":`), so the text stays under maxBytes.
  const most = Math.max(maxDepth + 1, Math.floor(maxBytes / 6));
  return Math.min(most, rng.pick([maxDepth + 1, maxDepth + 2, maxDepth * 2, 1_000, 3_000, 10_000, 50_000]));
}
