/**
 * Spectra's two Socket.IO servers on their listeners (protocol-notes §4): ingest, where observers
 * log on and send match data, and output, where overlays join a match's room. Each is capped.
 */
import { Server } from 'socket.io';
import type { Config } from '../../config/index.js';
import type { Logger } from '../../core/index.js';
import type { HttpListener } from '../../net/http-listener.js';
import type { DialectContext } from '../types.js';
import { capConnections, type CapsGuard } from './connection-caps.js';
import { IngestServer } from './ingest-server.js';
import type { MatchRegistry } from './match-registry.js';
import { OutputServer } from './output-server.js';
import { socketOptions } from './socket-options.js';
import type { VersionRange } from './version-range.js';

export interface SocketServers {
  readonly ingest: IngestServer;
  readonly output: OutputServer;
  /** The Socket.IO servers, ingest first. */
  readonly servers: readonly Server[];
}

/** What the ingest side checks a logon against, besides the options. */
export interface IngestInputs {
  readonly registry: MatchRegistry;
  readonly log: Logger;
  readonly versions: VersionRange;
  /** The start-up key the demo producer logs on with (index.ts `producerKey`). */
  readonly producerKey: string;
  readonly guard: CapsGuard;
}

export function openSocketServers(
  ctx: DialectContext,
  options: Config['spectra'],
  http: { readonly ingest: HttpListener; readonly output: HttpListener },
  inputs: IngestInputs,
): SocketServers {
  const { registry, log, versions, producerKey, guard } = inputs;
  // Issue 15 item 7: the node's connection rate is asked at the Engine.IO handshake (socket-options.ts).
  const ingestIo = new Server(http.ingest.server, socketOptions(options.corsOrigin, options.maxHttpBufferSize, ctx.listener.connectionRate));
  const outputIo = new Server(http.output.server, socketOptions(options.corsOrigin, options.maxHttpBufferSize, ctx.listener.connectionRate));
  capConnections(ingestIo, { perIpMax: options.ingestPerIpMax, totalMax: options.ingestTotalMax }, guard);
  capConnections(outputIo, { perIpMax: options.outputPerIpMax, totalMax: options.outputTotalMax }, guard);
  const ingest = new IngestServer(ingestIo, {
    registry,
    clock: ctx.clock,
    log,
    versions,
    serverVersion: options.serverVersion,
    keys: {
      requireAuthKey: options.requireAuthKey,
      authKey: options.authKey,
      backendUrl: options.backendUrl,
      backendTimeoutMs: options.backendTimeoutMs,
      producerKey,
    },
    auxAuthKey: options.auxAuthKey,
    logonTimeoutMs: options.logonTimeoutMs,
    jsonBounds: ctx.listener.jsonBounds,
  });
  const output = new OutputServer(outputIo, {
    hub: ctx.hub,
    ids: ctx.ids,
    clock: ctx.clock,
    log,
    roomWelcomeIntervalMs: options.emitIntervalMs,
    maxBufferedPackets: options.outputMaxBufferedPackets,
    jsonBounds: ctx.listener.jsonBounds,
  });
  return { ingest, output, servers: [ingestIo, outputIo] };
}
