import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocket, WebSocketServer } from 'ws';
import type { Logger } from '../../core/index.js';
import { clientIp } from '../../net/client-ip.js';
import type { ConnectionLimiter } from '../../net/connection-limiter.js';
import { rejectUpgrade } from '../../net/http-reply.js';
import type { NovaTokenVerifier } from './auth.js';
import { ErrorCodes, UUID_RE } from './codec.js';
import type { StreamState } from './streams.js';
import { acceptWebSocket } from '../shared/ws-upgrade.js';
import { destroyOnError } from '../../net/destroy-on-error.js';

/** A viewer let through every pre-upgrade check. */
export interface Admission {
  readonly streamId: string;
  readonly viewerId: string;
  readonly protocolVersion: string;
  /** Frees the connection slot; call once the socket is gone. */
  readonly release: () => void;
}

export interface UpgradeDeps {
  readonly wss: WebSocketServer;
  readonly log: Logger;
  readonly options: { readonly protocolVersions: readonly string[] };
  readonly limiter: ConnectionLimiter;
  readonly verifier: NovaTokenVerifier;
  readonly isTrustedProxy: (ip: string) => boolean;
  readonly isClosing: () => boolean;
  /** Cluster-wide lookup (issue #7), itself bounded by `nova.stateLookupTimeoutMs`. */
  readonly stream: (streamId: string) => Promise<StreamState | null>;
  readonly accept: (ws: WebSocket, admission: Admission) => void;
}

const PATH_RE = /^\/api\/v1\/streams\/([^/]+)\/ws\/?$/;

/**
 * Every refusal happens before the upgrade with an HTTP status and a JSON body
 * `{error_code, error_message}` (seed "Connection Refused"; notes §2.4.3):
 * 404 bad path / non-UUID / unknown stream, 400 unsupported `protocol`, 503 capacity,
 * 401 bad token, 403 not allowed to watch. Checks run cheapest first; the token is checked
 * before the stream lookup so stream ids cannot be probed without a token.
 */
export function createUpgradeHandler(deps: UpgradeDeps): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  return (req, socket, head) => {
    // A shared function, not a closure per connection (issue 19).
    socket.on('error', destroyOnError);
    admit(deps, req, socket, head).catch((err: unknown) => {
      deps.log.error({ err: (err as Error).message }, 'nova: upgrade failed');
      refuse(socket, 503, ErrorCodes.serverError, 'internal error');
    });
  };
}

async function admit(deps: UpgradeDeps, req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
  // The request-target is origin-form [RFC 9112 §3.2.1]: `//` or `//host/…` must not be read as an authority.
  const target = req.url ?? '/';
  const url = new URL(`http://nova.invalid${target.startsWith('/') ? target : '/'}`);
  const match = PATH_RE.exec(url.pathname);
  if (!match) return refuse(socket, 404, ErrorCodes.streamNotFound, 'no such endpoint');
  const streamId = safeDecode(match[1]!).toLowerCase();
  // The real server parsed stream_id as a Uuid; a malformed one is a 404 (notes §2.2).
  if (!UUID_RE.test(streamId)) return refuse(socket, 404, ErrorCodes.streamNotFound, 'stream ids are UUIDs');
  // Seed: `protocol` optional, default 1.0 (notes §2.4.12: an unsupported value is refused).
  const asked = url.searchParams.get('protocol') ?? '1.0';
  // The configured string, not the one parsed from this URL: every viewer of a version shares it.
  const protocolVersion = deps.options.protocolVersions.find((v) => v === asked);
  if (protocolVersion === undefined) {
    return refuse(socket, 400, ErrorCodes.protocolError, `unsupported protocol version; supported: ${deps.options.protocolVersions.join(', ')}`);
  }
  if (deps.isClosing()) return refuse(socket, 503, ErrorCodes.serverError, 'server shutting down', { 'Retry-After': '5' });
  const ip = clientIp(req, deps.isTrustedProxy);
  const lease = deps.limiter.tryAcquire(ip);
  if ('refused' in lease) {
    // The seed gives capacity no status; 503 per notes §2.4.3.
    return lease.refused === 'per_ip'
      ? refuse(socket, 503, ErrorCodes.rateLimited, 'too many connections from this address', { 'Retry-After': '10' })
      : refuse(socket, 503, ErrorCodes.serverError, 'server at capacity', { 'Retry-After': '10' });
  }
  let handedOver = false;
  try {
    const verdict = await deps.verifier.verify(url.searchParams.get('token'), streamId);
    if (socket.destroyed) return;
    if (!verdict.ok) return refuse(socket, verdict.status, verdict.errorCode, verdict.message);
    const stream = await deps.stream(streamId);
    if (socket.destroyed) return;
    if (!stream) return refuse(socket, 404, ErrorCodes.streamNotFound, 'stream not found');
    if (deps.isClosing()) return refuse(socket, 503, ErrorCodes.serverError, 'server shutting down', { 'Retry-After': '5' });
    handedOver = true;
    // `ws` destroys the socket without calling back when the handshake itself is bad; the slot must still be freed.
    // 'close' is emitted once and `release` is idempotent: `on`, without `once`'s wrapper per connection.
    socket.on('close', lease.release);
    acceptWebSocket(deps.wss, req, socket, head, (ws) => {
      deps.accept(ws, { streamId, viewerId: verdict.viewerId, protocolVersion, release: lease.release });
    });
  } finally {
    // A refused or abandoned upgrade frees its slot at once; an accepted one when its socket closes.
    if (!handedOver) lease.release();
  }
}

function refuse(socket: Duplex, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  rejectUpgrade(socket, status, { error_code: code, error_message: message }, headers);
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
