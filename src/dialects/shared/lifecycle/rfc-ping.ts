/**
 * RFC 6455 keepalive [§5.5.2 Ping, §5.5.3 Pong]: each due ping is sent only if the peer answered
 * enough of the previous ones; a peer that missed `maxMissedPongs` in a row is dropped without
 * waiting for TCP (match: one missed pong, seed 000; elstat: `elstat.maxMissedPongs`).
 */
import type { WebSocket } from 'ws';

export class PingWatch {
  readonly #ws: WebSocket;
  readonly #maxMissed: number;
  readonly #onDead: (() => void) | null;
  #missed = 0;

  /** `onDead` drops the peer (default: `ws.terminate()`, with no closure kept per connection). */
  constructor(ws: WebSocket, maxMissedPongs: number, onDead: (() => void) | null = null) {
    this.#ws = ws;
    this.#maxMissed = Math.max(1, maxMissedPongs);
    this.#onDead = onDead;
  }

  /** The peer answered. */
  pong(): void {
    this.#missed = 0;
  }

  /** A ping is due: drops a peer that missed too many, else pings. False once the peer was dropped. */
  due(): boolean {
    if (this.#missed >= this.#maxMissed) {
      if (this.#onDead) this.#onDead();
      else this.#ws.terminate();
      return false;
    }
    this.#missed += 1;
    try {
      this.#ws.ping();
    } catch {
      this.#ws.terminate();
      return false;
    }
    return true;
  }
}
