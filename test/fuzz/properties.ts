/**
 * The hostile-input properties every dialect must hold (issue #10), parameterised by a target
 * that says what its PROTOCOL.md specifies. Each property draws its inputs from a seeded Rng;
 * the suites print the seed so that any failure can be replayed with FUZZ_SEED.
 */
import assert from 'node:assert/strict';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { eventually } from '../helpers/eventually.js';
import { Rng, badRequestLine, deepDepth, deepJson, frameSize, invalidUtf8, json, path, upgradeHeaders, word } from './gen.js';
import { Op, buildFrame, rawHttp, rawWs, upgradeRequest, vanish, type RawWs } from './raw.js';

/** What happens to a client frame: a close with one of these codes, or nothing at all. */
export type Answer = { readonly close: readonly number[]; readonly orIgnored?: boolean } | 'ignored';

export interface FuzzTarget {
  readonly name: string;
  readonly port: number;
  /** A raw-WebSocket path that upgrades and stays open for frame fuzzing. */
  readonly wsPath: string;
  /** The status a valid upgrade to `path` gets (101, or the refusal the protocol specifies). */
  pathStatus(path: string): number;
  /** Largest client frame the dialect accepts, and the close code past it. */
  readonly frameLimit: number;
  readonly oversize: Answer;
  /** The WebSocket layer's maxPayload (a lying length header past it is refused before any payload). */
  readonly transportLimit: number;
  readonly transportOversize: Answer;
  /** A well-formed text frame the dialect accepts (a no-op for its state). */
  validText(rng: Rng): string;
  /** The specified answer to a text frame of this content (at most frameLimit bytes, valid UTF-8). */
  textAnswer(body: string): Answer;
  readonly invalidUtf8: Answer;
  readonly binary: Answer;
  /** Current connection count (dialect stats). */
  connections(): number;
  /** The answer to a flood of valid messages (default: served, the connection stays). */
  readonly floodAnswer?: Answer;
  /** Every path on which the dialect takes JSON from a client (issue 20: each is fuzzed with deep nesting). */
  readonly jsonPaths?: readonly JsonPath[];
}

/**
 * One way a client hands the server JSON (a frame, a Socket.IO event, an HTTP body). `message` puts
 * a deep value where a real client puts a nested field; `expectRefused` sends it and asserts the
 * path's specified refusal (PROTOCOL.md), so a document past `server.jsonMaxDepth` is never stored.
 */
export interface JsonPath {
  readonly name: string;
  /** Largest message the path takes (its frame or body limit): the deep value stays under it. */
  readonly maxBytes: number;
  message(deep: string, rng: Rng): string;
  expectRefused(message: string, what: string): Promise<void>;
}

/** The JSON depth bound the fuzz servers run with (the `server.jsonMaxDepth` default). */
export const FUZZ_JSON_MAX_DEPTH = 32;

/** Deeply nested JSON on every path, each refused as specified (issue 20 item 1). */
export async function fuzzDeepJson(paths: readonly JsonPath[], rng: Rng, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const r = rng.fork();
    const jsonPath = paths[i % paths.length]!;
    let message = '';
    for (let attempt = 0; attempt < 10 && (message === '' || Buffer.byteLength(message) > jsonPath.maxBytes); attempt++) {
      message = jsonPath.message(deepJson(r, deepDepth(r, FUZZ_JSON_MAX_DEPTH, jsonPath.maxBytes - 64)), r);
    }
    // Random keys can make the text too long for a tight frame limit: then the plainest deep value.
    if (Buffer.byteLength(message) > jsonPath.maxBytes) message = jsonPath.message('['.repeat(FUZZ_JSON_MAX_DEPTH + 1) + ']'.repeat(FUZZ_JSON_MAX_DEPTH + 1), r);
    await jsonPath.expectRefused(message, `${jsonPath.name}: ${message.length} bytes ${JSON.stringify(message.slice(0, 80))}… (seed ${r.seed})`);
  }
}

/** A client connected throughout that must see every published message, in order. */
export interface Steady {
  /** Publishes the next message; call many times while fuzzing. */
  publish(): Promise<void>;
  /** Resolves once every published message has been received, in order (asserts inside). */
  verify(): Promise<void>;
  close(): Promise<void>;
}

/** RFC 6455 protocol violations: 1002 from any conforming server [RFC 6455 §5.1, §5.2, §5.5, §7.4.1]. */
const PROTOCOL_ERROR: Answer = { close: [1002] };

/** Runs `count` raw upgrade cases (ten at a time): paths, query strings, header sets, broken request lines. */
export async function fuzzUpgrades(target: FuzzTarget, rng: Rng, count: number): Promise<void> {
  for (let i = 0; i < count; i += 10) {
    await Promise.all(Array.from({ length: Math.min(10, count - i) }, () => upgradeCase(target, rng.fork())));
  }
}

async function upgradeCase(target: FuzzTarget, r: Rng): Promise<void> {
  const kind = r.int(0, 9);
  if (kind < 5) {
    const p = r.bool(0.3) ? target.wsPath + (r.bool() ? (target.wsPath.includes('?') ? '&' : '?') + word(r, 5) + '=' + word(r, 5) : '') : path(r);
    const answer = await rawHttp(target.port, upgradeRequest(p));
    assert.equal(answer.status, target.pathStatus(p), `${target.name}: upgrade to ${JSON.stringify(p)} got ${answer.status} ${JSON.stringify(answer.head.slice(0, 300))} (seed ${r.seed})`);
  } else if (kind < 8) {
    const { lines, valid } = upgradeHeaders(r);
    const p = target.wsPath;
    const answer = await rawHttp(target.port, `GET ${p} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`);
    if (valid) assert.equal(answer.status, target.pathStatus(p), `valid headers ${JSON.stringify(lines)}`);
    else {
      assert.notEqual(answer.status, 101, `${target.name}: invalid handshake upgraded: ${JSON.stringify(lines)} (seed ${r.seed})`);
      assert.ok(answer.status >= 400 && answer.status < 500, `${target.name}: ${answer.status} for ${JSON.stringify(lines)} (seed ${r.seed})`);
    }
  } else {
    const answer = await rawHttp(target.port, `${badRequestLine(r)}\r\n\r\n`);
    assert.ok(answer.status === 0 || (answer.status >= 400 && answer.status < 500), `${target.name}: bad request line got ${answer.status} (seed ${r.seed})`);
  }
}

/** Opens a raw session, sends one hostile frame sequence, and checks the specified answer. */
export async function fuzzFrames(target: FuzzTarget, rng: Rng, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const r = rng.fork();
    const ws = await rawWs(target.port, target.wsPath);
    const { frames, expect, what } = hostileFrames(target, r);
    ws.send(...frames);
    try {
      await expectAnswer(ws, expect, `${target.name}: ${what} (seed ${r.seed})`);
    } finally {
      vanish(ws.socket);
    }
  }
}

function hostileFrames(target: FuzzTarget, r: Rng): { frames: Buffer[]; expect: Answer; what: string } {
  const text = (s: string | Buffer, more: Partial<Parameters<typeof buildFrame>[0]> = {}) =>
    buildFrame({ opcode: Op.text, payload: Buffer.isBuffer(s) ? s : Buffer.from(s), ...more });
  switch (r.int(0, 12)) {
    case 0: {
      const size = frameSize(r, target.frameLimit);
      if (size <= target.frameLimit) return { frames: [text('a'.repeat(size))], expect: target.textAnswer('a'.repeat(size)), what: `text frame of ${size} bytes` };
      return { frames: [text(Buffer.alloc(size, 0x61))], expect: target.oversize, what: `text frame of ${size} bytes (limit ${target.frameLimit})` };
    }
    case 12: {
      // A lying length header past the transport bound: refused before any payload is buffered.
      const claimed = target.transportLimit + r.int(1, 2 ** 30);
      return { frames: [buildFrame({ opcode: Op.binary, payload: Buffer.alloc(0), claimedLength: claimed })], expect: target.transportOversize, what: `header claiming ${claimed} bytes` };
    }
    case 1:
      return { frames: [text(invalidUtf8(r))], expect: target.invalidUtf8, what: 'invalid UTF-8 text' };
    case 2: {
      // A valid message split into fragments: must be answered exactly like the whole [RFC 6455 §5.4].
      const msg = Buffer.from(target.validText(r));
      const cut = r.int(0, msg.length);
      const parts = [buildFrame({ opcode: Op.text, payload: msg.subarray(0, cut), fin: false }), buildFrame({ opcode: Op.continuation, payload: msg.subarray(cut) })];
      // A ping may be interleaved between fragments [RFC 6455 §5.4].
      if (r.bool()) parts.splice(1, 0, buildFrame({ opcode: Op.ping, payload: Buffer.from('x') }));
      return { frames: parts, expect: target.textAnswer(msg.toString()), what: 'fragmented valid text' };
    }
    case 3: {
      // Invalid UTF-8 split across fragments, the multi-byte sequence cut at the boundary.
      const bad = Buffer.concat([Buffer.from('{"op":0,"channels":["'), Buffer.from([0xe2, 0x82]), Buffer.from([0x28]), Buffer.from('"]}')]);
      return {
        frames: [buildFrame({ opcode: Op.text, payload: bad.subarray(0, 22), fin: false }), buildFrame({ opcode: Op.continuation, payload: bad.subarray(22) })],
        expect: target.invalidUtf8,
        what: 'invalid UTF-8 across fragments',
      };
    }
    case 4:
      return { frames: [buildFrame({ opcode: Op.binary, payload: r.bytes(r.int(1, Math.min(64, target.frameLimit))) })], expect: target.binary, what: 'binary frame' };
    case 5: {
      const body = JSON.stringify(json(r)).slice(0, Math.min(200, target.frameLimit));
      return { frames: [text(body)], expect: target.textAnswer(body), what: `text ${body}` };
    }
    case 6:
      return { frames: [buildFrame({ opcode: Op.text, payload: Buffer.from('x'), mask: false })], expect: PROTOCOL_ERROR, what: 'unmasked client frame' };
    case 7:
      return { frames: [buildFrame({ opcode: Op.text, payload: Buffer.from('x'), rsv: r.int(1, 7) })], expect: PROTOCOL_ERROR, what: 'reserved bits set' };
    case 8:
      return { frames: [buildFrame({ opcode: r.pick([3, 4, 5, 6, 7, 0xb, 0xc, 0xf]), payload: Buffer.from('x') })], expect: PROTOCOL_ERROR, what: 'reserved opcode' };
    case 9:
      return { frames: [buildFrame({ opcode: Op.continuation, payload: Buffer.from('x') })], expect: PROTOCOL_ERROR, what: 'continuation with nothing to continue' };
    case 10:
      return { frames: [buildFrame({ opcode: Op.ping, payload: Buffer.alloc(126) })], expect: PROTOCOL_ERROR, what: 'control frame over 125 bytes' };
    default:
      return { frames: [buildFrame({ opcode: Op.ping, payload: Buffer.from('p'), fin: false })], expect: PROTOCOL_ERROR, what: 'fragmented control frame' };
  }
}

/**
 * 'ignored': the session is still open and still answers in order (a ping sent after the input
 * is answered with its pong, so the input was processed first). A close: the code is one of the
 * specified ones and TCP ends.
 */
async function expectAnswer(ws: RawWs, expect: Answer, what: string): Promise<void> {
  if (expect !== 'ignored' && expect.orIgnored) {
    // Either answer is specified: a pong (still open) or one of the close codes.
    const tag = Buffer.from('either');
    ws.send(buildFrame({ opcode: Op.ping, payload: tag }));
    const first = await Promise.race([
      ws.waitFor((f) => f.opcode === Op.pong && f.payload.equals(tag), 5_000).then(() => 'pong' as const),
      ws.ended.then((e) => e),
    ]);
    if (first !== 'pong') assert.ok(expect.close.includes(first.code), `${what}: closed with ${first.code}, expected ${expect.close.join('/')} or nothing`);
    return;
  }
  if (expect === 'ignored') {
    const tag = Buffer.from(word(new Rng(ws.frames.length + 7), 8));
    ws.send(buildFrame({ opcode: Op.ping, payload: tag }));
    await ws.waitFor((f) => f.opcode === Op.pong && f.payload.equals(tag), 5_000).catch((err: Error) => {
      const close = ws.frames.find((f) => f.opcode === Op.close);
      throw new Error(`${what}: expected to be ignored, got ${close ? `close ${close.payload.length >= 2 ? close.payload.readUInt16BE(0) : 1005}` : err.message}`);
    });
    vanish(ws.socket);
    return;
  }
  const ended = await withTimeout(ws.ended, 5_000, `${what}: the server did not close`);
  assert.ok(expect.close.includes(ended.code), `${what}: closed with ${ended.code} ${ended.reason}, expected ${expect.close.join('/')}`);
}

/** A flood: many valid client messages as fast as the socket takes them; the answer is the specified one. */
export async function fuzzFlood(target: FuzzTarget, rng: Rng, messages: number): Promise<void> {
  const ws = await rawWs(target.port, target.wsPath);
  const frames: Buffer[] = [];
  for (let i = 0; i < messages; i++) frames.push(buildFrame({ opcode: Op.text, payload: Buffer.from(target.validText(rng)) }));
  ws.send(...frames);
  await expectAnswer(ws, target.floodAnswer ?? 'ignored', `${target.name}: flood of ${messages} valid messages`);
  vanish(ws.socket);
}

/** Slowloris: headers that never finish are dropped within the handshake deadline (408 or a bare close). */
export async function fuzzSlowloris(target: FuzzTarget, rng: Rng, count: number, handshakeTimeoutMs: number): Promise<void> {
  await Promise.all(
    Array.from({ length: count }, async () => {
      const partial = upgradeRequest(target.wsPath).split('\r\n').slice(0, rng.int(1, 4)).join('\r\n') + '\r\n';
      const started = Date.now();
      const answer = await rawHttp(target.port, partial, handshakeTimeoutMs * 6);
      assert.ok(answer.status === 408 || answer.status === 0, `${target.name}: slowloris got ${answer.status}`);
      assert.ok(Date.now() - started < handshakeTimeoutMs * 6, 'dropped within the deadline');
    }),
  );
}

/** Half-open peers: upgraded sockets reset without a close frame are forgotten by the dialect. */
export async function fuzzHalfOpen(target: FuzzTarget, count: number, baseline: number): Promise<void> {
  const sockets = await Promise.all(Array.from({ length: count }, () => rawWs(target.port, target.wsPath)));
  await eventually(() => target.connections() >= baseline + count, `${target.name}: ${count} raw sessions counted`);
  for (const s of sockets) vanish(s.socket);
  await eventually(() => target.connections() === baseline, `${target.name}: half-open sessions forgotten (now ${target.connections()}, baseline ${baseline})`, 10_000);
}

/** Connect/disconnect churn with bounded concurrency; returns connections per second reached. */
export async function fuzzChurn(target: FuzzTarget, total: number, concurrency: number, baseline: number): Promise<number> {
  const started = Date.now();
  let next = 0;
  const worker = async () => {
    while (next < total) {
      next += 1;
      const ws = await rawWs(target.port, target.wsPath);
      if (next % 2 === 0) vanish(ws.socket);
      else {
        ws.send(buildFrame({ opcode: Op.close, payload: Buffer.from([0x03, 0xe8]) }));
        await ws.ended;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  await eventually(() => target.connections() === baseline, `${target.name}: churn left ${target.connections()} sessions`, 10_000);
  return Math.round((total * 1000) / Math.max(1, Date.now() - started));
}

/** `global.gc` without --expose-gc on the command line (the test runner's execArgv is fixed). */
export function gcFunction(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/** Heap after a full collection, the memory baseline the suites compare against. */
export async function settledHeap(): Promise<number> {
  const gc = gcFunction();
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setImmediate(r));
  }
  return process.memoryUsage().heapUsed;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(what)), ms);
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e as Error);
      },
    );
  });
}
