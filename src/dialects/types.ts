import type { Clock, CloseReason, Hub, IdSource, Logger } from '../core/index.js';
import type { JsonBounds } from '../util/json-bounds.js';
import type { ConnectionRateGate } from './shared/connection-rate.js';

/** Listener settings shared by every dialect (from config.server). */
export interface ListenerSettings {
  readonly host: string;
  readonly handshakeTimeoutMs: number;
  readonly trustedProxies: readonly string[];
  /** PEM contents, already read, when TLS is on. */
  readonly tls: { readonly cert: Buffer; readonly key: Buffer } | null;
  /** Accept queue length of each listening socket (default 4096; the kernel caps it at net.core.somaxconn). */
  readonly listenBacklog?: number;
  /** `server.acceptPerIpMax` (default 512): TCP connections per client address and listener, counted from accept. */
  readonly acceptPerIpMax?: number;
  /** `server.ipv6CapPrefix` (default 64): per-IP caps count an IPv6 client as this prefix. */
  readonly ipv6CapPrefix?: number;
  /** Depth and size bounds of every JSON value taken from a client (`server.jsonMaxDepth`/`jsonMaxNodes`); default DEFAULT_JSON_BOUNDS. */
  readonly jsonBounds?: JsonBounds;
  /** This dialect's share of the node's new-connection rate (`server.connectionRate`); absent: no limit. */
  readonly connectionRate?: ConnectionRateGate;
}

/** Everything a dialect may touch: no other dialect, no broker, no config object. */
export interface DialectContext {
  readonly hub: Hub;
  readonly log: Logger;
  readonly clock: Clock;
  readonly ids: IdSource;
  readonly listener: ListenerSettings;
}

export interface ListenerAddress {
  /** Which of the dialect's listeners (`ws`, `ingest`, `output`, `status`, …). */
  readonly name: string;
  readonly port: number;
}

/** Counters every dialect reports; dialects may add their own numbers. */
export interface DialectStats {
  readonly connections: number;
  readonly [key: string]: number | string | boolean | readonly unknown[] | Record<string, unknown>;
}

/** One wire protocol: owns its listeners, sessions and codec; talks to the hub only. */
export interface Dialect {
  readonly name: string;
  /** Binds the dialect's ports (port 0 picks a free one) and resolves with what was bound. */
  listen(): Promise<ListenerAddress[]>;
  stats(): DialectStats;
  /**
   * Stops accepting, then ends every session at a jittered instant within `drainWindowMs` (default 0:
   * all at once; shared/drain.ts), each as its real clients need to reconnect (PROTOCOL.md
   * "Shutdown"); resolves when the sockets are gone or the deadline passed.
   */
  close(reason: CloseReason, deadlineMs: number, drainWindowMs?: number): Promise<void>;
}

/** Producers and control planes that publish into a dialect's channels get this from the dialect. */
export type DialectFactory<Options> = (ctx: DialectContext, options: Options) => Dialect;
