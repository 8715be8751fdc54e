/**
 * @streamhub/sdk — the client of StreamHub's own protocol (src/dialects/streamhub/PROTOCOL.md).
 * Public surface only; internals (transports, parser, pending commands) stay unexported except
 * where a user plugs something in.
 */
export { StreamHubClient } from './client.js';
export type {
  ClientEvents,
  ClientOptions,
  ClientState,
  ConnectedEvent,
  DisconnectedEvent,
  HistoryOptions,
  HistoryResult,
  PresenceResult,
  PublishOptions,
  PublishResult,
  TransportKind,
} from './client-options.js';
export { Subscription } from './subscription.js';
export type { ContinuityLost, SubscribedEvent, SubscribeOptions, SubscriptionEvents, SubscriptionState } from './subscription.js';
export type { Publication } from './publication.js';
export type { StreamPosition } from './position.js';
export { formatPosition, parsePosition } from './position.js';
export { StreamHubError } from './errors.js';
export type { BackoffOptions } from './backoff.js';
export type { Clock } from './clock.js';
export type { PresenceMember, PublicationKind } from './protocol.js';
export { CloseCode, PROTOCOL_VERSION } from './protocol.js';
export type { WebSocketConstructor, WebSocketLike } from './ws-transport.js';
export type { EventSourceConstructor, EventSourceLike, FetchLike } from './sse-transport.js';
