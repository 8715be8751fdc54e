/**
 * What every listener enforces from the TCP accept, before TLS or HTTP have done anything (issue
 * 20 item 3): a deadline for the whole handshake (TLS, then the head of the first HTTP request),
 * and a cap on the connections one client address holds open on this listener.
 *
 * Node's own `headersTimeout` starts only when the HTTP parser does, which on an HTTPS listener is
 * after the TLS handshake; a peer that never sends its ClientHello, or stops half-way, was held
 * for as long as it liked. Counting from accept also covers connections the dialects' per-IP caps
 * cannot see yet (they count sessions at the upgrade).
 */
import type { Socket } from 'node:net';
import { capKey } from './client-ip.js';

export interface AcceptGuardOptions {
  /** `server.handshakeTimeoutMs`: accept to the end of the first request head. */
  readonly deadlineMs: number;
  /** `server.acceptPerIpMax`: open connections per client key on this listener. */
  readonly perIpMax: number;
  /** `server.ipv6CapPrefix`. */
  readonly ipv6PrefixLength: number;
  /** Peers not counted (trusted proxies: their clients are counted at the upgrade). */
  readonly isExempt: (ip: string) => boolean;
  /** Plain HTTP: a late peer gets `408 Request Timeout` before the close (HTTP/1.1, RFC 9110 §15.5.9). */
  readonly plaintext: boolean;
}

/** A refusal or a timeout, for the listener's counters. */
export interface AcceptGuardCounts {
  readonly refusedAtAccept: number;
  readonly handshakeTimeouts: number;
}

const TIMEOUT_REPLY = 'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n';

/** Where a TCP connection comes from; the same on the raw socket and on the TLS socket wrapped around it. */
const peerOf = (socket: Socket) => `${socket.remoteAddress ?? ''}|${socket.remotePort ?? ''}`;

export class AcceptGuard {
  readonly #o: AcceptGuardOptions;
  /** Connections whose first request head has not arrived yet, by peer. */
  readonly #pending = new Map<string, { raw: Socket; timer: NodeJS.Timeout }>();
  readonly #perKey = new Map<string, number>();
  #refusedAtAccept = 0;
  #handshakeTimeouts = 0;

  constructor(options: AcceptGuardOptions) {
    this.#o = options;
  }

  /** Call on the listener's `connection` event (the raw TCP socket, before any TLS). */
  admit(raw: Socket): void {
    // A peer that reset before we saw it has no address; there is nothing to guard.
    if (!raw.remoteAddress) return void raw.destroy();
    const peer = peerOf(raw);
    const address = raw.remoteAddress;
    if (!this.#o.isExempt(address)) {
      const key = capKey(address, this.#o.ipv6PrefixLength);
      const count = this.#perKey.get(key) ?? 0;
      if (count >= this.#o.perIpMax) {
        this.#refusedAtAccept += 1;
        // Nothing has been read, so there is no request to answer: the close is the answer.
        raw.destroy();
        return;
      }
      this.#perKey.set(key, count + 1);
      raw.once('close', () => {
        const left = (this.#perKey.get(key) ?? 1) - 1;
        if (left <= 0) this.#perKey.delete(key);
        else this.#perKey.set(key, left);
      });
    }
    const timer = setTimeout(() => this.#expire(peer), this.#o.deadlineMs);
    timer.unref();
    this.#pending.set(peer, { raw, timer });
    raw.once('close', () => this.#settle(peer));
  }

  /** Call when a request head is complete on `socket` (raw or TLS): the handshake is over. */
  headArrived(socket: Socket): void {
    this.#settle(peerOf(socket));
  }

  /** Connections currently counted for `ip`'s key (exempt peers are not counted). */
  countFor(ip: string): number {
    return this.#perKey.get(capKey(ip, this.#o.ipv6PrefixLength)) ?? 0;
  }

  counts(): AcceptGuardCounts {
    return { refusedAtAccept: this.#refusedAtAccept, handshakeTimeouts: this.#handshakeTimeouts };
  }

  #settle(peer: string): void {
    const entry = this.#pending.get(peer);
    if (!entry) return;
    clearTimeout(entry.timer);
    this.#pending.delete(peer);
  }

  #expire(peer: string): void {
    const entry = this.#pending.get(peer);
    if (!entry) return;
    this.#pending.delete(peer);
    this.#handshakeTimeouts += 1;
    const { raw } = entry;
    if (this.#o.plaintext && raw.writable) {
      raw.end(TIMEOUT_REPLY);
      // A peer that does not read cannot keep the socket open past the reply.
      setTimeout(() => raw.destroy(), 1_000).unref();
    } else {
      // TLS: mid-handshake there is no channel to answer on; a bare close.
      raw.destroy();
    }
  }
}
