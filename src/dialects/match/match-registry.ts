/**
 * The matches this node knows of, for `/admin/status`: published here, or watched by a local
 * client. Bounded: an entry with no subscriber is forgotten once its match has been idle past
 * `idleTtlMs` (the same TTL after which the broker forgets the match).
 */
import type { Clock } from '../../core/index.js';

interface Entry {
  messagesSent: number;
  messagesPublished: number;
  lastActivityAt: number;
}

export class MatchRegistry {
  readonly #entries = new Map<string, Entry>();
  readonly #clock: Clock;
  readonly #idleTtlMs: number;
  readonly #subscribers: (matchId: string) => number;
  /**
   * The entry `sent` found last. `sent` runs once per delivery to a renderer (issue 19, "the cost of
   * a pass"), and a pass delivers one match to all its renderers in a row; each renderer holds its
   * own copy of the id string, which a map lookup compares character by character in V8's runtime.
   */
  #lastId: string | null = null;
  #lastEntry: Entry | null = null;

  constructor(clock: Clock, idleTtlMs: number, subscribers: (matchId: string) => number) {
    this.#clock = clock;
    this.#idleTtlMs = idleTtlMs;
    this.#subscribers = subscribers;
  }

  published(matchId: string): void {
    const entry = this.#entry(matchId);
    entry.messagesPublished += 1;
    entry.lastActivityAt = this.#clock.now();
  }

  sent(matchId: string, frames: number): void {
    if (matchId !== this.#lastId || !this.#lastEntry) {
      this.#lastEntry = this.#entry(matchId);
      this.#lastId = matchId;
    }
    this.#lastEntry.messagesSent += frames;
  }

  /** Known matches, oldest first; forgets idle ones nobody watches. */
  list(): { matchId: string; messagesSent: number; messagesPublished: number }[] {
    const now = this.#clock.now();
    const out = [];
    for (const [matchId, e] of this.#entries) {
      const idle = this.#idleTtlMs > 0 && now - e.lastActivityAt >= this.#idleTtlMs;
      if (idle && this.#subscribers(matchId) === 0) {
        this.#entries.delete(matchId);
        if (e === this.#lastEntry) this.#lastEntry = null;
        continue;
      }
      out.push({ matchId, messagesSent: e.messagesSent, messagesPublished: e.messagesPublished });
    }
    return out;
  }

  #entry(matchId: string): Entry {
    let entry = this.#entries.get(matchId);
    if (!entry) {
      this.list(); // a new match: forget the idle ones first, so the map stays bounded
      entry = { messagesSent: 0, messagesPublished: 0, lastActivityAt: this.#clock.now() };
      this.#entries.set(matchId, entry);
    }
    return entry;
  }
}
