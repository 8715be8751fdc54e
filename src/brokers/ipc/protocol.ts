/**
 * The wire between the primary process and its workers in embedded multi-core mode (issue 19,
 * DESIGN.md § Scale-out: "without Redis, the primary process is their broker"). Node's IPC channel
 * with `serialization: 'advanced'` (structured clone) carries payloads as bytes, unchanged. Both
 * directions are batched: what one event-loop turn produces travels as one IPC message.
 */
import type { ChannelHistory, HistoryQuery, Message, Payload, PublishOptions, PublishedMessage } from '../../core/index.js';

/** Marks our messages on a channel other code may also use (node:cluster's own messages, user messages). */
export const IPC_TAG = 'streamhub.broker';

export type Call =
  | { readonly id: number; readonly op: 'publish'; readonly channel: string; readonly payload: Payload; readonly options: PublishOptions }
  | { readonly id: number; readonly op: 'history'; readonly channel: string; readonly query: HistoryQuery | undefined }
  | { readonly id: number; readonly op: 'subscribe' | 'unsubscribe'; readonly channel: string };

/** A worker's calls of one turn. */
export interface CallBatch {
  readonly tag: typeof IPC_TAG;
  readonly calls: readonly Call[];
}

export type Reply =
  | { readonly k: 'ok'; readonly id: number; readonly value: PublishedMessage | ChannelHistory | null }
  | { readonly k: 'error'; readonly id: number; readonly code: string; readonly message: string };

/** A delivered message, or a reply: in one list so a worker sees them in the order the host produced them. */
export type HostEvent = Reply | { readonly k: 'msg'; readonly msg: Message };

/** The host's events of one turn for one worker. */
export interface EventBatch {
  readonly tag: typeof IPC_TAG;
  readonly events: readonly HostEvent[];
}

export function isCallBatch(value: unknown): value is CallBatch {
  return typeof value === 'object' && value !== null && (value as CallBatch).tag === IPC_TAG && Array.isArray((value as CallBatch).calls);
}

export function isEventBatch(value: unknown): value is EventBatch {
  return typeof value === 'object' && value !== null && (value as EventBatch).tag === IPC_TAG && Array.isArray((value as EventBatch).events);
}

export type { IpcEndpoint } from '../../util/ipc-endpoint.js';
