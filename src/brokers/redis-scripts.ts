import { readFileSync } from 'node:fs';
import type { Cluster, Redis } from 'ioredis';
import { isIdempotencyKey, type MessageKind, type Payload, type PublishOptions } from '../core/index.js';
import { IDEMPOTENCY_DEFAULTS, type IdempotencyLimits } from './idempotency-window.js';
import { ErrorCode, StreamHubError } from '../errors.js';
import { KIND_CODES, MAX_CHANNEL_BYTES } from './envelope.js';
import { channelKeys, type ChannelKeys } from './redis-keys.js';
import { bound } from './redis-options.js';

/** A Lua script of the broker, registered on a connection under `command`. */
export interface LuaScript {
  readonly command: string;
  readonly source: string;
  readonly keys: number;
}

function load(command: string, file: string, keys: number): LuaScript {
  return { command, source: readFileSync(new URL(file, import.meta.url), 'utf8'), keys };
}

/** The atomic publish step (redis-publish.lua): offsets, retention, TTL and PUBLISH of a batch of one channel in one go. */
export const PUBLISH_SCRIPT = load('streamhubPublish', './redis-publish.lua', 6);
/** The consistent history read (redis-history.lua). */
export const HISTORY_SCRIPT = load('streamhubHistory', './redis-history.lua', 4);

type ScriptCall = (...args: (string | Buffer | number)[]) => Promise<unknown>;

/**
 * Registers the scripts on a connection. ioredis then runs them with EVALSHA, sending the source
 * (EVAL) only on a connection's first use and after a NOSCRIPT (a Redis restart or SCRIPT FLUSH),
 * and they can share auto-pipelined writes with other commands.
 */
export function defineScripts(redis: Redis | Cluster): void {
  for (const script of [PUBLISH_SCRIPT, HISTORY_SCRIPT]) {
    redis.defineCommand(script.command, { numberOfKeys: script.keys, lua: script.source });
  }
}

/** Runs a registered script with binary-safe (Buffer) replies. */
export function runScript(
  redis: Redis | Cluster,
  script: LuaScript,
  keys: readonly string[],
  args: readonly (string | Buffer | number)[],
): Promise<unknown> {
  const call = (redis as unknown as Record<string, ScriptCall>)[`${script.command}Buffer`];
  if (!call) throw new StreamHubError(ErrorCode.internal, `script ${script.command} is not defined on this connection`);
  return call.call(redis, ...keys, ...args);
}

/** One publish as the script's KEYS and ARGV (the order documented in redis-publish.lua). */
export interface PublishCall {
  readonly channel: string;
  /** KEYS. Built on first read: a batch reads only its first call's. */
  readonly keys: readonly string[];
  /** The whole ARGV of this publish alone: `head`, then this message packed (`packMessages`). */
  readonly args: readonly (string | Buffer | number)[];
  /**
   * The channel's part of ARGV (retention, epoch candidate, idempotency limits), shared by a batch.
   * Built on first read, with the epoch candidate drawn then: a batch reads only its first call's.
   */
  readonly head: readonly (string | Buffer | number)[];
  /**
   * This message's part of the script's packed batch argument (ARGV[12], redis-publish.lua): this
   * ASCII header, then `payload`. `packMessages` writes a batch's.
   */
  readonly header: string;
  /** The payload (a view, not a copy). */
  readonly payload: Buffer;
  /** Bytes of header and payload in the packed argument. */
  readonly itemBytes: number;
  /** Calls of one channel with equal batch keys may share one script run: same retention and limits. */
  readonly batchKey: string;
  /** Payload bytes, for the batch's byte bound. */
  readonly bytes: number;
  readonly kind: MessageKind;
  readonly time: number;
}

/** A channel's retention and limits as the script's ARGV 3–8, 10, 11, and their batch key. */
interface Limits {
  readonly args: readonly number[];
  readonly key: string;
}

/**
 * The last limits built per retention object: a dialect publishes a channel with one retention
 * object, so the six numbers and their key are built once, not per publish (issue 17). Weak: holds
 * nothing a retention's owner dropped; one entry per live retention object.
 */
const limitsCache = new WeakMap<PublishOptions['retention'], { streamMaxLen: number; idempotency: IdempotencyLimits; limits: Limits }>();

function limitsOf(r: PublishOptions['retention'], streamMaxLen: number, idempotency: IdempotencyLimits): Limits {
  const cached = limitsCache.get(r);
  if (cached && cached.streamMaxLen === streamMaxLen && cached.idempotency === idempotency) return cached.limits;
  const args = [
    Math.min(bound(r.maxMessages), streamMaxLen),
    bound(r.maxBytes),
    bound(r.overheadBytes ?? 0),
    bound(r.maxAgeMs),
    bound(r.maxPinned),
    bound(r.idleTtlMs),
    bound(idempotency.windowMs),
    Math.max(1, bound(idempotency.maxKeys)),
  ];
  const limits = { args, key: args.join(' ') };
  limitsCache.set(r, { streamMaxLen, idempotency, limits });
  return limits;
}

/**
 * Builds the publish script's arguments. Throws ERR_INVALID_MESSAGE for what the script could
 * not take (unknown kind, non-finite time, a channel name past the envelope's 65 535 bytes), so
 * a bad publisher gets a clear error rather than a Lua one. Per message it builds only the packed
 * item and the batch key; KEYS and the channel's ARGV (with a fresh epoch candidate, `context.epoch`
 * called then when it is a function) are built when first read, i.e. once per batch (issue 17).
 */
export function publishCall(
  prefix: string,
  channel: string,
  payload: Payload,
  options: PublishOptions,
  context: {
    readonly now: number;
    readonly streamMaxLen: number;
    /** The epoch candidate, used only when the channel has no epoch yet; a function is called once per batch. */
    readonly epoch: string | (() => string);
    readonly topic?: string;
    /** Window and bound of idempotency keys (default IDEMPOTENCY_DEFAULTS). */
    readonly idempotency?: IdempotencyLimits;
  },
): PublishCall {
  const kind = options.kind ?? 'data';
  const time = options.time ?? context.now;
  if (!Object.hasOwn(KIND_CODES, kind)) throw new StreamHubError(ErrorCode.invalidMessage, `unknown message kind ${String(kind)}`);
  if (!Number.isFinite(time)) throw new StreamHubError(ErrorCode.invalidMessage, 'message time must be a finite number');
  if (Buffer.byteLength(channel) > MAX_CHANNEL_BYTES) throw new StreamHubError(ErrorCode.invalidMessage, 'channel name too long');
  const key = options.idempotencyKey;
  if (key !== undefined && !isIdempotencyKey(key)) {
    throw new StreamHubError(ErrorCode.invalidMessage, 'idempotency key must be 1-128 printable ASCII characters');
  }
  const limits = limitsOf(options.retention, context.streamMaxLen, context.idempotency ?? IDEMPOTENCY_DEFAULTS);
  // One message of ARGV[12] (redis-publish.lua): no field but the payload can hold a NUL (String()
  // of a finite number, a printable-ASCII idempotency key).
  const header = `${KIND_CODES[kind]}\0${time}\0${context.now}\0${key ?? ''}\0${payload.byteLength}\0`;
  const view = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength); // a view, not a copy
  const batchKey = context.topic === undefined ? limits.key : `${limits.key} ${context.topic}`;
  return new LazyPublishCall(prefix, channel, context.topic, context.epoch, limits, header, view, batchKey, kind, time);
}

/** A PublishCall whose KEYS and channel ARGV are built on first read (once per batch, issue 17). */
class LazyPublishCall implements PublishCall {
  #keys: ChannelKeys | undefined;
  #head: (string | number)[] | undefined;
  readonly itemBytes: number;
  readonly bytes: number;

  constructor(
    readonly prefix: string,
    readonly channel: string,
    readonly topic: string | undefined,
    readonly epoch: string | (() => string),
    readonly limits: Limits,
    readonly header: string,
    readonly payload: Buffer,
    readonly batchKey: string,
    readonly kind: MessageKind,
    readonly time: number,
  ) {
    this.bytes = payload.byteLength;
    this.itemBytes = header.length + this.bytes; // the header is ASCII: one byte per character
  }

  #channelKeys(): ChannelKeys {
    return (this.#keys ??= channelKeys(this.prefix, this.channel));
  }

  get keys(): readonly string[] {
    const k = this.#channelKeys();
    return [k.meta, k.ring, k.snapshot, k.pinned, k.idempotency, k.idempotencyAge];
  }

  get head(): readonly (string | number)[] {
    if (this.#head) return this.#head;
    const [maxMessages, maxBytes, overhead, maxAge, maxPinned, idleTtl, window, maxKeys] = this.limits.args;
    const epoch = typeof this.epoch === 'function' ? this.epoch() : this.epoch;
    this.#head = [this.channel, this.topic ?? this.#channelKeys().topic, maxMessages!, maxBytes!, overhead!, maxAge!, maxPinned!, idleTtl!, epoch, window!, maxKeys!];
    return this.#head;
  }

  get args(): readonly (string | Buffer | number)[] {
    return [...this.head, packMessages([this])];
  }
}

/** The script's ARGV[12] for these calls, in order: each one's header then payload, one copy of each. */
export function packMessages(calls: readonly PublishCall[]): Buffer {
  let total = 0;
  for (const c of calls) total += c.itemBytes;
  const packed = Buffer.allocUnsafe(total);
  let at = 0;
  for (const c of calls) {
    at += packed.write(c.header, at, 'latin1');
    at += c.payload.copy(packed, at);
  }
  return packed;
}
