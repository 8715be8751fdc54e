/**
 * "One publisher per channel", behind a small interface the sessions use, on the coordination
 * ports' claim table (issue 16 item 2): in process on one node, a cluster-wide lease (a Redis
 * `SET NX PX` with renewal) on a cluster, without touching the sessions.
 */
import type { ClaimHandle, ClaimTable } from '../../coordination/ports.js';

/** The claim table relay asks the ports for (Redis keys `<prefix>relay-pub:<channel>`, docs/cluster.md). */
export const PUBLISHER_CLAIMS = 'relay-pub';

/** Who holds a channel: enough for any node to check a receiver's key. */
export interface PublishClaim {
  /** Unique per publish session; tags the control messages of that publish. */
  readonly publishId: string;
  /** `keyDigest(key)` of the publisher's key; the key itself is never stored. */
  readonly keyDigest: string;
}

/**
 * A held reservation: the claim table's handle in relay's words. `release` frees the channel;
 * `onLost` is there where a claim can be lost (a cluster lease that could not be renewed: another
 * node may now hold the channel; the publisher then closes 1012).
 */
export interface PublishLease extends Omit<ClaimHandle, 'claim'> {
  readonly claim: PublishClaim;
}

export interface PublisherRegistry {
  /**
   * Atomically reserves `channel` for `claim` (notes §3.4: the original's check-then-register
   * race is closed here). Resolves null when another publish holds it.
   */
  reserve(channel: string, claim: PublishClaim): Promise<PublishLease | null>;
  /** The claim currently holding `channel`, or null. */
  current(channel: string): Promise<PublishClaim | null>;
}

/** The registry on a claim table: a publish's id is the claim's holder, its key digest the claim's digest. */
export function publisherRegistry(claims: ClaimTable): PublisherRegistry {
  const lease = (handle: ClaimHandle, claim: PublishClaim): PublishLease => ({
    claim,
    release: () => handle.release(),
    ...(handle.onLost ? { onLost: (listener: () => void) => handle.onLost!(listener) } : {}),
  });
  return {
    async reserve(channel, claim) {
      const handle = await claims.claim(channel, { holderId: claim.publishId, digest: claim.keyDigest });
      return handle && lease(handle, claim);
    },
    async current(channel) {
      const held = await claims.current(channel);
      return held && { publishId: held.holderId, keyDigest: held.digest };
    },
  };
}
