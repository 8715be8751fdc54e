import type { JsonBounds } from '../util/json-bounds.js';
import type { ConnectionRateGate } from './connection-rate.js';

/** Listener settings shared by every listener: each dialect's and the operator's (from config.server). */
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

/** One bound listening port. */
export interface ListenerAddress {
  /** Which of the owner's listeners (`ws`, `ingest`, `output`, `status`, …). */
  readonly name: string;
  readonly port: number;
}
