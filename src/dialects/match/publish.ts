/**
 * Match's publish path (seed 000; PROTOCOL.md §1, §3 "Producer ingest"): a message is validated as spec 0.1.1,
 * encoded once, and published to its match channel with the ring's retention.
 */
import type { Config } from '../../config/index.js';
import { isIdempotencyKey, type Hub, type RetentionPolicy } from '../../core/index.js';
import { StreamHubError } from '../../errors.js';
import * as codec from './codec.js';
import type { MatchRegistry } from './match-registry.js';
import { parseSpecMessage, type SpecMessage } from './spec.js';

/** Per-publish options (issue 15 item 3). */
export interface MatchPublishOptions {
  /** The producer's id of the message: a repeat inside the broker's window is not published again. */
  readonly idempotencyKey?: string;
}

/** Where a message was published (for a repeated idempotency key: where the original was). */
export interface MatchPublished {
  readonly offset: number;
  readonly epoch: string;
  readonly duplicate?: boolean;
}

export class MatchPublisher {
  readonly #hub: Hub;
  readonly #o: Config['match'];
  readonly #registry: MatchRegistry;
  readonly #retention: RetentionPolicy;

  constructor(hub: Hub, options: Config['match'], registry: MatchRegistry) {
    this.#hub = hub;
    this.#o = options;
    this.#registry = registry;
    // seed 000: ring_size 1024 and replay_window_ms 60 s, windowed on match time `t` (notes §1.2).
    this.#retention = {
      maxMessages: options.ringSize,
      maxBytes: options.ringMaxBytes,
      maxAgeMs: options.replayWindowMs,
      maxPinned: options.maxStickyEvents,
      idleTtlMs: options.idleTtlMs,
    };
  }

  /** Validates, then publishes; rejects with StreamHubError('ERR_INVALID_MESSAGE') on invalid input. */
  async publish(matchId: string, message: object, options: MatchPublishOptions = {}): Promise<MatchPublished> {
    if (!codec.isMatchId(matchId)) throw new StreamHubError('ERR_INVALID_MESSAGE', `invalid match id ${JSON.stringify(matchId.slice(0, 64))}`);
    const parsed = parseSpecMessage(message);
    if (!parsed.ok) throw new StreamHubError('ERR_INVALID_MESSAGE', parsed.error);
    if (parsed.message.type === 'match.init' && parsed.message.match_id !== matchId) {
      throw new StreamHubError('ERR_INVALID_MESSAGE', `match_id: ${parsed.message.match_id} is not ${matchId}`);
    }
    if (options.idempotencyKey !== undefined && !isIdempotencyKey(options.idempotencyKey)) {
      throw new StreamHubError('ERR_INVALID_MESSAGE', 'idempotency key: expected 1-128 printable ASCII characters');
    }
    return this.publishValid(matchId, parsed.message, options.idempotencyKey);
  }

  /** Publishes an already validated message: encoded once, the same bytes go to every subscriber. */
  async publishValid(matchId: string, message: SpecMessage, idempotencyKey?: string): Promise<MatchPublished> {
    let payload: Uint8Array;
    try {
      payload = codec.encodeSpecMessage(message);
    } catch (cause) {
      // Unknown fields are forwarded as they are; one nested beyond the stack cannot be encoded.
      throw new StreamHubError('ERR_INVALID_MESSAGE', '(root): message cannot be encoded (nested too deeply)', { cause });
    }
    this.#registry.published(matchId);
    const msg = await this.#hub.publish(codec.matchChannel(matchId), payload, {
      kind: codec.kindOf(message, this.#o.stickyEvents),
      time: codec.timeOf(message),
      retention: this.#retention,
      ...(idempotencyKey !== undefined ? { idempotencyKey } : {}),
    });
    return msg.duplicate ? { offset: msg.offset, epoch: msg.epoch, duplicate: true } : { offset: msg.offset, epoch: msg.epoch };
  }
}
