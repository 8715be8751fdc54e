import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { clientIp, createIpMatcher } from '../../net/client-ip.js';
import type { ConnectionLimiter } from '../../net/connection-limiter.js';
import { rejectUpgrade } from '../../net/http-reply.js';
import type { DialectContext } from '../types.js';
import { RefusalText, hubChannel, keyDigest, parseRelayPath, type ConnectionKind } from './codec.js';
import type { KeyVerifier } from './key-verifier.js';
import type { PublishLease, PublisherRegistry } from './publisher-registry.js';
import { destroyOnError } from '../../net/destroy-on-error.js';

export interface AcceptedUpgrade {
  readonly req: IncomingMessage;
  readonly socket: Duplex;
  readonly head: Buffer;
  readonly route: { readonly channel: string; readonly key: string; readonly kind: ConnectionKind };
  /** Frees the connection slot (idempotent). */
  readonly release: () => void;
  /** The channel reservation, for publishers. */
  readonly lease: PublishLease | null;
}

export interface UpgradeGateOptions {
  readonly ctx: DialectContext;
  readonly limiter: ConnectionLimiter;
  readonly mayPlay: (ip: string) => boolean;
  readonly registry: PublisherRegistry;
  readonly verifier: KeyVerifier;
  readonly isClosing: () => boolean;
  readonly onAccept: (accepted: AcceptedUpgrade) => void;
}

export interface UpgradeGate {
  handle(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Refusals so far, by HTTP status. */
  refused(): Record<string, number>;
}

/**
 * Every refusal before the upgrade, in the original's order (notes §3.2): path shape (404), the
 * per-IP cap (429; our total cap: 503), channel, key and kind (404), the play allow-list (403),
 * then for a publisher "is the channel being published?" (403 "Already publishing."), the key
 * check (403 "Invalid Key.") and, once the key is good, the atomic channel reservation (403
 * "Already publishing." again for the loser of a race between two verified publishers).
 */
export function createUpgradeGate(options: UpgradeGateOptions): UpgradeGate {
  const { ctx, limiter, registry, verifier } = options;
  const isTrustedProxy = createIpMatcher(ctx.listener.trustedProxies);
  const refusals = new Map<number, number>();

  const refuse = (socket: Duplex, status: number, body: string, release?: () => void) => {
    release?.();
    refusals.set(status, (refusals.get(status) ?? 0) + 1);
    rejectUpgrade(socket, status, body);
  };

  async function admitPublisher(socket: Duplex, channel: string, key: string, ip: string, release: () => void) {
    const name = hubChannel(channel);
    // The original refuses a live channel before it asks the coordinator (ws-stream-server
    // session.go: isPublishing, then RequestPublish): no verifier call for a channel already taken.
    if (await registry.current(name)) return refuse(socket, 403, RefusalText.alreadyPublishing, release), null;
    const allowed = await verifier.verify({ channel, key, ip });
    if (!allowed) return refuse(socket, 403, RefusalText.keyDenied, release), null;
    if (socket.destroyed || options.isClosing()) return refuse(socket, 503, RefusalText.shuttingDown, release), null;
    // Reserve only once the key is good, as the original registers its publisher only after the
    // coordinator accepted it (session.go → SetPublisher). Reserving before the check let a
    // publisher with a bad key and a hanging verifier hold the channel ("Already publishing." to
    // everyone else, receivers judged against its unchecked key) for up to keyVerification.timeoutMs
    // (issue 20). The reservation itself stays atomic (notes §3.4: the original's check-then-set
    // race let two publishers fan out at once); the loser of two verified publishers gets 403.
    const lease = await registry.reserve(name, { publishId: ctx.ids.next(), keyDigest: keyDigest(key) });
    if (!lease) return refuse(socket, 403, RefusalText.alreadyPublishing, release), null;
    if (socket.destroyed || options.isClosing()) {
      await lease.release();
      return refuse(socket, 503, RefusalText.shuttingDown, release), null;
    }
    return lease;
  }

  return {
    handle(req, socket, head) {
      // A reset during the async checks must not crash the process (no listener = uncaught 'error').
      // A shared function, not a closure: a closure here would keep this call's scope (the upgrade
      // request, its head, the route) alive for as long as the socket lives (issue 19).
      socket.on('error', destroyOnError);
      const route = parseRelayPath(req.url);
      if (!route.ok && route.shape === 'path') return refuse(socket, route.status, route.body);
      if (options.isClosing()) return refuse(socket, 503, RefusalText.shuttingDown);
      const ip = clientIp(req, isTrustedProxy);
      const slot = limiter.tryAcquire(ip);
      if ('refused' in slot) {
        return slot.refused === 'per_ip' ? refuse(socket, 429, RefusalText.tooMany) : refuse(socket, 503, RefusalText.serverFull);
      }
      if (!route.ok) return refuse(socket, route.status, route.body, slot.release);
      const { channel, key, kind } = route;
      if (kind !== 'publish' && !options.mayPlay(ip)) return refuse(socket, 403, RefusalText.notWhitelisted, slot.release);
      if (kind !== 'publish') {
        options.onAccept({ req, socket, head, route, release: slot.release, lease: null });
        return;
      }
      admitPublisher(socket, channel, key, ip, slot.release).then(
        (lease) => {
          if (!lease) return;
          if (socket.destroyed) {
            slot.release();
            void lease.release();
            return;
          }
          options.onAccept({ req, socket, head, route, release: slot.release, lease });
        },
        (err: Error) => {
          ctx.log.warn({ err: err.message }, 'relay publish admission failed');
          refuse(socket, 503, RefusalText.shuttingDown, slot.release);
        },
      );
    },
    refused: () => Object.fromEntries([...refusals].map(([status, n]) => [String(status), n])),
  };
}
