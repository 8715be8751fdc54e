import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import { isIdempotencyKey, type MessageKind, type Payload, type PublishOptions } from '../core/index.js';
import { IDEMPOTENCY_DEFAULTS, type IdempotencyLimits } from './idempotency-window.js';
import { ErrorCode, StreamHubError } from '../errors.js';
import { KIND_CODES, MAX_CHANNEL_BYTES } from './envelope.js';
import { channelKeys } from './redis-keys.js';
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

/** The atomic publish step (redis-publish.lua): offset, retention, TTL and PUBLISH in one go. */
export const PUBLISH_SCRIPT = load('streamhubPublish', './redis-publish.lua', 6);
/** The consistent history read (redis-history.lua). */
export const HISTORY_SCRIPT = load('streamhubHistory', './redis-history.lua', 4);

type ScriptCall = (...args: (string | Buffer | number)[]) => Promise<unknown>;

/**
 * Registers the scripts on a connection. ioredis then runs them with EVALSHA, sending the source
 * (EVAL) only on a connection's first use and after a NOSCRIPT (a Redis restart or SCRIPT FLUSH),
 * and they can share auto-pipelined writes with other commands.
 */
export function defineScripts(redis: Redis): void {
  for (const script of [PUBLISH_SCRIPT, HISTORY_SCRIPT]) {
    redis.defineCommand(script.command, { numberOfKeys: script.keys, lua: script.source });
  }
}

/** Runs a registered script with binary-safe (Buffer) replies. */
export function runScript(
  redis: Redis,
  script: LuaScript,
  keys: readonly string[],
  args: readonly (string | Buffer | number)[],
): Promise<unknown> {
  const call = (redis as unknown as Record<string, ScriptCall>)[`${script.command}Buffer`];
  if (!call) throw new Error(`script ${script.command} is not defined on this connection`);
  return call.call(redis, ...keys, ...args);
}

/** One publish as the script's KEYS and ARGV (the order documented in redis-publish.lua). */
export interface PublishCall {
  readonly keys: readonly string[];
  readonly args: readonly (string | Buffer | number)[];
  readonly kind: MessageKind;
  readonly time: number;
}

/**
 * Builds the publish script's arguments. Throws ERR_INVALID_MESSAGE for what the script could
 * not take (unknown kind, non-finite time, a channel name past the envelope's 65 535 bytes), so
 * a bad publisher gets a clear error rather than a Lua one.
 */
export function publishCall(
  prefix: string,
  channel: string,
  payload: Payload,
  options: PublishOptions,
  context: {
    readonly now: number;
    readonly streamMaxLen: number;
    readonly epoch: string;
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
  const keys = channelKeys(prefix, channel);
  const r = options.retention;
  return {
    keys: [keys.meta, keys.ring, keys.snapshot, keys.pinned, keys.idempotency, keys.idempotencyAge],
    args: [
      channel,
      context.topic ?? keys.topic,
      KIND_CODES[kind],
      String(time),
      String(context.now),
      Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength), // a view, not a copy
      Math.min(bound(r.maxMessages), context.streamMaxLen),
      bound(r.maxBytes),
      bound(r.overheadBytes ?? 0),
      bound(r.maxAgeMs),
      bound(r.maxPinned),
      bound(r.idleTtlMs),
      context.epoch,
      key ?? '',
      bound((context.idempotency ?? IDEMPOTENCY_DEFAULTS).windowMs),
      Math.max(1, bound((context.idempotency ?? IDEMPOTENCY_DEFAULTS).maxKeys)),
    ],
    kind,
    time,
  };
}
