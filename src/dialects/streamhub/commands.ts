/**
 * What each client command does (PROTOCOL.md §5–§12), given a connection. Replies and errors are
 * written through the connection; nothing here touches a socket.
 */
import type { Clock, Hub, Logger, Message, PublishedMessage, QueueLimits } from '../../core/index.js';
import type { JsonBounds } from '../../util/json-bounds.js';
import type { Identity, TokenVerifier } from './auth.js';
import {
  encodeFrame,
  encodeOwnPayload,
  encodePub,
  encodeSubscribed,
  isValidChannel,
  joinFrames,
  OWN_PREFIX,
  positionJson,
  validIdempotencyKey,
  type Command,
  type ErrorCode,
  type SubscribeItem,
} from './codec.js';
import type { StreamhubOptions } from './config.js';
import { Permission } from './grants.js';
import type { Member, PresenceRegistry, PresenceWatcher } from './presence.js';
import { ChannelSubscription, type SubscriptionOutput, type SubscriptionStart } from './subscription.js';

/** What sessions share, from the dialect. */
export interface SessionHost {
  readonly hub: Hub;
  readonly log: Logger;
  readonly clock: Clock;
  readonly settings: StreamhubOptions;
  readonly queue: QueueLimits;
  readonly jsonBounds: JsonBounds | undefined;
  readonly verifier: TokenVerifier;
  readonly presence: PresenceRegistry;
  /** Counts a refusal or a close by code, for `stats().closes` (the operator's metrics). */
  countClose(code: number): void;
  /** Publishes into a `streamhub:` channel with its retention. */
  publish(channel: string, payload: Uint8Array, kind: 'data' | 'snapshot' | 'volatile', idempotencyKey: string | undefined): Promise<PublishedMessage>;
  ended(connection: Connection): void;
}

/** A connection as the commands see it (session.ts implements it). */
export interface Connection extends SubscriptionOutput, PresenceWatcher {
  readonly id: string;
  readonly host: SessionHost;
  readonly subscriptions: Map<string, ChannelSubscription>;
  identity: Identity | null;
  info: unknown;
  readonly connected: boolean;
  member(): Member;
  send(frame: Buffer): boolean;
  sendError(reqId: number | undefined, code: ErrorCode, message: string, channel?: string): void;
  close(reason: { code: number; reason: string }): void;
  markConnected(): void;
  armExpiry(): void;
}

export async function runCommand(conn: Connection, command: Command): Promise<void> {
  switch (command.type) {
    case 'connect':
      return connect(conn, command);
    case 'refresh':
      return refresh(conn, command);
    case 'subscribe':
      return subscribe(conn, command.id, command.channels);
    case 'unsubscribe':
      return unsubscribe(conn, command.id, command.channels);
    case 'history':
      return history(conn, command);
    case 'publish':
      return publish(conn, command);
    case 'presence':
      return presence(conn, command);
    case 'ping':
      conn.send(encodeFrame(command.id === undefined ? { type: 'pong' } : { type: 'pong', id: command.id }));
      return;
    case 'pong':
      return;
  }
}

type Of<T extends Command['type']> = Extract<Command, { type: T }>;

async function connect(conn: Connection, command: Of<'connect'>): Promise<void> {
  const { verifier, settings } = conn.host;
  let identity = conn.identity;
  if (command.token !== undefined) {
    const result = await verifier.verify(command.token);
    if (!result.ok) return refuseConnect(conn, command.id, result.message);
    identity = result.identity;
  }
  identity ??= verifier.anonymous();
  if (!identity) return refuseConnect(conn, command.id, 'a token is required');
  const info = identity.info !== undefined ? identity.info : command.info;
  if (info !== undefined && Buffer.byteLength(JSON.stringify(info)) > settings.presence.maxInfoBytes) {
    conn.sendError(command.id, 'bad_request', `info is larger than ${settings.presence.maxInfoBytes} bytes`);
    conn.close({ code: 4501, reason: 'bad_request' });
    return;
  }
  conn.identity = identity;
  conn.info = info;
  conn.send(
    encodeFrame({
      type: 'connected',
      id: command.id,
      client: conn.id,
      user: identity.user,
      expiresAt: identity.expiresAt,
      pingIntervalMs: settings.pingIntervalMs,
      version: 1,
      limits: { maxFrameBytes: settings.maxFrameBytes, maxSubscriptions: settings.maxSubscriptionsPerConnection, maxHistoryLimit: settings.maxHistoryLimit },
    }),
  );
  conn.markConnected();
  // Subscriptions asked for in the connect frame (PROTOCOL.md §5): replies carry the connect's id.
  if (command.subscribe) await subscribe(conn, command.id, command.subscribe);
}

function refuseConnect(conn: Connection, id: number, message: string): void {
  conn.sendError(id, 'unauthorized', message);
  conn.close({ code: 4500, reason: 'unauthorized' });
}

async function refresh(conn: Connection, command: Of<'refresh'>): Promise<void> {
  const result = await conn.host.verifier.verify(command.token);
  if (!result.ok) return conn.sendError(command.id, 'unauthorized', result.message);
  if (result.identity.user !== (conn.identity?.user ?? '')) return conn.sendError(command.id, 'unauthorized', 'the token is for another user');
  conn.identity = result.identity;
  conn.armExpiry();
  conn.send(encodeFrame({ type: 'refreshed', id: command.id, expiresAt: result.identity.expiresAt }));
  // Subscriptions the new grants no longer cover end (PROTOCOL.md §6).
  const revoked = [...conn.subscriptions.keys()].filter((ch) => !result.identity.grants.allows(ch, Permission.subscribe));
  if (revoked.length > 0) {
    dropSubscriptions(conn, revoked);
    conn.send(encodeFrame({ type: 'unsubscribed', channels: revoked, reason: 'permission_denied' }));
  }
}

/** Checks name and permission; answers the error itself and returns false when refused. */
function mayUse(conn: Connection, reqId: number, channel: string, permission: Permission): boolean {
  if (!isValidChannel(channel, conn.host.settings.maxChannelNameBytes)) {
    conn.sendError(reqId, 'bad_channel', 'not a valid channel name', channel);
    return false;
  }
  if (!conn.identity?.grants.allows(channel, permission)) {
    conn.sendError(reqId, 'permission_denied', `no ${permission} permission`, channel);
    return false;
  }
  return true;
}

/** One `subscribed` (or error) per requested channel, in request order (PROTOCOL.md §7). */
async function subscribe(conn: Connection, reqId: number, items: readonly SubscribeItem[]): Promise<void> {
  const { hub, queue, presence } = conn.host;
  // Every item is checked and its replay started at once; the answers go out in request order.
  const started = items.map((item): Entry => {
    const refused = refusal(conn, item);
    if (refused) return { item, refused };
    const sub = new ChannelSubscription(hub, queue, conn, conn.id, item.channel, item.delta === 'fossil');
    conn.subscriptions.set(item.channel, sub);
    return { item, refused: null, sub, start: sub.start(item.since) };
  });
  for (const entry of started) {
    const { item } = entry;
    if (entry.refused) {
      conn.sendError(reqId, entry.refused[0], entry.refused[1], item.channel);
      continue;
    }
    const { sub } = entry;
    let result: SubscriptionStart;
    try {
      result = await entry.start;
    } catch {
      if (conn.subscriptions.get(item.channel) === sub) dropSubscriptions(conn, [item.channel]);
      conn.sendError(reqId, 'unavailable', 'history could not be read', item.channel);
      continue;
    }
    if (conn.subscriptions.get(item.channel) !== sub) {
      conn.sendError(reqId, 'not_subscribed', 'unsubscribed before the replay was read', item.channel);
      continue;
    }
    conn.send(encodeSubscribed(reqId, item.channel, result.recovered, result.position, sub.encodeReplay(result.publications)));
    sub.goLive();
    presence.join(item.channel, conn.member(), item.presence ? conn : null);
  }
}

type Entry =
  | { readonly item: SubscribeItem; readonly refused: readonly [ErrorCode, string] }
  | { readonly item: SubscribeItem; readonly refused: null; readonly sub: ChannelSubscription; readonly start: Promise<SubscriptionStart> };

/** Why a subscribe item is refused (PROTOCOL.md §7), or null. */
function refusal(conn: Connection, item: SubscribeItem): readonly [ErrorCode, string] | null {
  const { settings } = conn.host;
  const grants = conn.identity?.grants;
  if (!isValidChannel(item.channel, settings.maxChannelNameBytes)) return ['bad_channel', 'not a valid channel name'];
  if (!grants?.allows(item.channel, Permission.subscribe)) return ['permission_denied', 'no subscribe permission'];
  if (item.presence && !grants.allows(item.channel, Permission.presence)) return ['permission_denied', 'no presence permission'];
  if (conn.subscriptions.has(item.channel)) return ['already_subscribed', 'already subscribed'];
  if (conn.subscriptions.size >= settings.maxSubscriptionsPerConnection) return ['too_many_subscriptions', `at most ${settings.maxSubscriptionsPerConnection} subscriptions`];
  return null;
}

function dropSubscriptions(conn: Connection, channels: readonly string[]): void {
  for (const channel of channels) {
    const sub = conn.subscriptions.get(channel);
    if (!sub) continue;
    sub.stop();
    conn.subscriptions.delete(channel);
    conn.host.presence.leave(channel, conn.id, conn);
  }
}

function unsubscribe(conn: Connection, reqId: number, channels: readonly string[]): void {
  const held = [...new Set(channels)].filter((ch) => conn.subscriptions.has(ch));
  dropSubscriptions(conn, held);
  conn.send(encodeFrame({ type: 'unsubscribed', id: reqId, channels: held }));
}

async function history(conn: Connection, command: Of<'history'>): Promise<void> {
  const { settings, hub } = conn.host;
  if (!mayUse(conn, command.id, command.channel, Permission.history)) return;
  const limit = Math.min(command.limit ?? settings.maxHistoryLimit, settings.maxHistoryLimit);
  let h;
  try {
    h = await hub.history(command.channel, { limit, ...(command.since ? { since: command.since } : {}) });
  } catch {
    return conn.sendError(command.id, 'unavailable', 'history could not be read', command.channel);
  }
  const list: Message[] = [...(command.since ? [] : h.pinned), ...h.messages];
  if (command.reverse) list.reverse();
  const snapshot = h.snapshot ? encodePub(h.snapshot).toString('utf8') : 'null';
  const recovered = command.since !== undefined && h.recovered;
  conn.send(
    Buffer.from(
      `{"type":"history","id":${command.id},"channel":${JSON.stringify(command.channel)},"position":${positionJson(h.top)},"recovered":${recovered},"snapshot":${snapshot},"publications":${joinFrames(list.map(encodePub))}}`,
      'utf8',
    ),
  );
}

async function publish(conn: Connection, command: Of<'publish'>): Promise<void> {
  const { settings } = conn.host;
  if (!isValidChannel(command.channel, settings.maxChannelNameBytes)) return conn.sendError(command.id, 'bad_channel', 'not a valid channel name', command.channel);
  if (!command.channel.startsWith(OWN_PREFIX)) return conn.sendError(command.id, 'publish_refused', `only ${OWN_PREFIX} channels take publishes`, command.channel);
  if (!mayUse(conn, command.id, command.channel, Permission.publish)) return;
  if (!validIdempotencyKey(command.idempotencyKey)) return conn.sendError(command.id, 'bad_request', 'idempotencyKey: 1-128 printable ASCII characters', command.channel);
  const payload = encodeOwnPayload(command);
  if (!payload) return conn.sendError(command.id, 'bad_request', 'exactly one of data or b64 (valid base64)', command.channel);
  if (payload.byteLength - (command.b64 !== undefined ? 1 : 0) > settings.maxPublishBytes) return conn.sendError(command.id, 'payload_too_large', `payload larger than ${settings.maxPublishBytes} bytes`, command.channel);
  let msg: PublishedMessage;
  try {
    msg = await conn.host.publish(command.channel, payload, command.kind ?? 'data', command.idempotencyKey);
  } catch (err) {
    conn.host.log.warn({ conn: conn.id, err: (err as Error).message }, 'streamhub publish failed');
    return conn.sendError(command.id, 'unavailable', 'publish failed; retry with the same idempotencyKey', command.channel);
  }
  conn.send(encodeFrame({ type: 'published', id: command.id, channel: command.channel, offset: msg.offset, epoch: msg.epoch, duplicate: msg.duplicate === true }));
}

async function presence(conn: Connection, command: Of<'presence'>): Promise<void> {
  const { settings, presence: registry } = conn.host;
  if (!mayUse(conn, command.id, command.channel, Permission.presence)) return;
  let snap;
  try {
    snap = await registry.snapshot(command.channel, command.members === true, settings.presence.maxMembersListed);
  } catch {
    return conn.sendError(command.id, 'unavailable', 'presence members could not be read', command.channel);
  }
  conn.send(encodeFrame({ type: 'presence', id: command.id, channel: command.channel, ...snap }));
}
