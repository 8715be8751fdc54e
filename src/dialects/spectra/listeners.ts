/**
 * Spectra's three HTTP listeners (PROTOCOL.md): ingest (5100) and output (5200), which carry the
 * Socket.IO servers, and status (5101).
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Config } from '../../config/index.js';
import { createHttpListener, type HttpListener } from '../../net/http-listener.js';
import { rejectUpgrade } from '../../net/http-reply.js';
import type { ListenerSettings } from '../types.js';
import type { MatchRegistry } from './match-registry.js';
import { statusHandler } from './status-server.js';

/** Socket.IO's default path (PROTOCOL.md: path `/socket.io/`). */
const SOCKET_IO_PATH = '/socket.io/';

export interface SpectraListeners {
  readonly ingest: HttpListener;
  readonly output: HttpListener;
  readonly status: HttpListener;
}

/** Creates the listeners (not yet listening) with `settings`, spectra's TLS already chosen. */
export function createSpectraListeners(options: Config['spectra'], settings: ListenerSettings, registry: MatchRegistry): SpectraListeners {
  // Engine.IO owns the upgrade on its path and destroys the others itself.
  // Engine.IO answers upgrades under its path; any other upgrade would hang until Engine.IO's
  // destroyUpgradeTimeout (1 s) and end without a status. Refuse it at once with 404 instead
  // (found by test/fuzz/spectra.fuzz.test.ts; PROTOCOL.md "Connection refusals").
  const noUpgrade = (req: IncomingMessage, socket: Duplex) => {
    if ((req.url ?? '').split('?')[0] !== SOCKET_IO_PATH) rejectUpgrade(socket, 404, { error: 'not_found' });
  };
  return {
    ingest: createHttpListener({ name: 'ingest', port: options.ingestPort, settings, onUpgrade: noUpgrade }),
    output: createHttpListener({ name: 'output', port: options.outputPort, settings, onUpgrade: noUpgrade }),
    status: createHttpListener({ name: 'status', port: options.statusPort, settings, onRequest: statusHandler(registry) }),
  };
}
