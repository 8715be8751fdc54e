/**
 * The spectra dialect (seed 003, protocol-notes §4): two Socket.IO 4 servers, ingest (5100) and
 * output (5200), plus the status/extras HTTP port (5101). The match state lives with the ingest
 * side (match-registry.ts) and reaches overlays through the hub channel `spectra:<groupCode>`.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { Server, type Socket } from 'socket.io';
import type { Config } from '../../config/index.js';
import { createIpMatcher, clientIp } from '../shared/client-ip.js';
import { ConnectionLimiter } from '../shared/connection-limiter.js';
import { createHttpListener, type HttpListener } from '../shared/http-listener.js';
import { rejectUpgrade } from '../shared/http-reply.js';
import type { Dialect, DialectContext, DialectStats, ListenerAddress, ListenerSettings } from '../types.js';
import type { CloseReason } from '../../core/index.js';
import { spreadDrain } from '../shared/drain.js';
import { endTransport, type EngineConn } from './hang-up.js';
import { IngestServer } from './ingest-server.js';
import { MatchRegistry } from './match-registry.js';
import { OutputServer } from './output-server.js';
import { insecureWarning } from './insecure-warning.js';
import { isWildcard, socketOptions } from './socket-options.js';
import { statusHandler } from './status-server.js';
import { parseVersionRange } from './version-range.js';

/** Socket.IO's default path (PROTOCOL.md: path `/socket.io/`). */
const SOCKET_IO_PATH = '/socket.io/';

export type SpectraOptions = Config['spectra'];

/** The spectra dialect; `listen()` returns the addresses `ingest`, `output` and `status`. */
export interface SpectraDialect extends Dialect {
  readonly name: 'spectra';
  /** Matches held by this node's ingest side. */
  readonly matchCount: number;
  /**
   * A random key, made at start-up, that this node's ingest accepts like `AUTH_KEY`: the demo
   * producer logs on with it, so `npm start` works with no key configured. Never log it.
   */
  readonly producerKey: string;
}

/** Creates the dialect; bad options (an unsupported version range) throw here, synchronously. */
export function createSpectraDialect(ctx: DialectContext, options: SpectraOptions): SpectraDialect {
  const versions = parseVersionRange(options.clientVersionRange);
  const log = ctx.log.child({ dialect: 'spectra' });
  const registry = new MatchRegistry({
    hub: ctx.hub,
    clock: ctx.clock,
    log,
    emitIntervalMs: options.emitIntervalMs,
    idleRemovalMs: options.idleRemovalMs,
    idleSweepIntervalMs: options.idleSweepIntervalMs,
    maxMatches: options.maxMatches,
    maxRounds: options.maxRounds,
    teamInfoCacheSize: options.teamInfoCacheSize,
  });
  const producerKey = randomBytes(24).toString('base64url');
  const isTrusted = createIpMatcher(ctx.listener.trustedProxies);
  const listeners: HttpListener[] = [];
  const servers: Server[] = [];
  let output: OutputServer | null = null;
  let ingest: IngestServer | null = null;

  /** Per-listener caps, as Socket.IO middleware: a refused client gets `connect_error`. */
  function capped(io: Server, limiter: ConnectionLimiter): void {
    io.use((socket: Socket, next) => {
      const lease = limiter.tryAcquire(clientIp(socket.request, isTrusted));
      if ('refused' in lease) return next(new Error(lease.refused === 'per_ip' ? 'Too many connections from this address' : 'Server is full'));
      socket.once('disconnect', lease.release);
      next();
    });
  }

  /**
   * The caps above count Socket.IO sockets, which exist only once a client joins a namespace; an
   * Engine.IO transport that never joins would be held uncounted until connectTimeout (45 s). So
   * transports are capped too, at twice the socket caps: a well-behaved client holds one of each,
   * and the slack lets a client refused by the socket cap still receive its specified connect_error
   * (found by test/bounds/spectra-transports.test.ts).
   */
  function cappedTransports(io: Server, perIpMax: number, totalMax: number): void {
    const limiter = new ConnectionLimiter(perIpMax * 2, totalMax * 2, undefined, ctx.listener.ipv6CapPrefix);
    io.engine.on('connection', (transport: { request: IncomingMessage; close(): void; once(e: 'close', f: () => void): void }) => {
      const lease = limiter.tryAcquire(clientIp(transport.request, isTrusted));
      if ('refused' in lease) return transport.close();
      transport.once('close', lease.release);
    });
  }

  async function tlsSettings(): Promise<ListenerSettings['tls']> {
    if (options.insecure === true) return null;
    if (options.serverKeyFile && options.serverCertFile) {
      const [key, cert] = await Promise.all([readFile(options.serverKeyFile), readFile(options.serverCertFile)]);
      return { key, cert };
    }
    if (options.insecure === false && !ctx.listener.tls) {
      throw new Error('spectra: INSECURE=false needs SERVER_KEY and SERVER_CERT (seed 003 §SSL/TLS)');
    }
    return ctx.listener.tls;
  }

  return {
    name: 'spectra',
    producerKey,
    get matchCount() {
      return registry.size;
    },

    async listen(): Promise<ListenerAddress[]> {
      const settings: ListenerSettings = { ...ctx.listener, tls: await tlsSettings() };
      const tlsOff = insecureWarning({
        insecure: options.insecure,
        serverTls: Boolean(ctx.listener.tls),
        spectraCertificates: Boolean(options.serverKeyFile && options.serverCertFile),
      });
      if (tlsOff !== null) log.warn(tlsOff);
      if (isWildcard(options.corsOrigin) && !options.development) {
        log.warn('spectra: CORS origin is "*": any web page may connect; set STREAMHUB_SPECTRA_CORS_ORIGIN in production (seed 003 §CORS)');
      }
      // Engine.IO owns the upgrade on its path and destroys the others itself.
      // Engine.IO answers upgrades under its path; any other upgrade would hang until Engine.IO's
      // destroyUpgradeTimeout (1 s) and end without a status. Refuse it at once with 404 instead
      // (found by test/fuzz/spectra.fuzz.test.ts; PROTOCOL.md "Connection refusals").
      const noUpgrade = (req: IncomingMessage, socket: Duplex) => {
        if ((req.url ?? '').split('?')[0] !== SOCKET_IO_PATH) rejectUpgrade(socket, 404, { error: 'not_found' });
      };
      const ingestHttp = createHttpListener({ name: 'ingest', port: options.ingestPort, settings, onUpgrade: noUpgrade });
      const outputHttp = createHttpListener({ name: 'output', port: options.outputPort, settings, onUpgrade: noUpgrade });
      const statusHttp = createHttpListener({ name: 'status', port: options.statusPort, settings, onRequest: statusHandler(registry) });
      listeners.push(ingestHttp, outputHttp, statusHttp);
      // Issue 15 item 7: the node's connection rate is asked at the Engine.IO handshake (socket-options.ts).
      const ingestIo = new Server(ingestHttp.server, socketOptions(options.corsOrigin, options.maxHttpBufferSize, ctx.listener.connectionRate));
      const outputIo = new Server(outputHttp.server, socketOptions(options.corsOrigin, options.maxHttpBufferSize, ctx.listener.connectionRate));
      servers.push(ingestIo, outputIo);
      capped(ingestIo, new ConnectionLimiter(options.ingestPerIpMax, options.ingestTotalMax, undefined, ctx.listener.ipv6CapPrefix));
      capped(outputIo, new ConnectionLimiter(options.outputPerIpMax, options.outputTotalMax, undefined, ctx.listener.ipv6CapPrefix));
      cappedTransports(ingestIo, options.ingestPerIpMax, options.ingestTotalMax);
      cappedTransports(outputIo, options.outputPerIpMax, options.outputTotalMax);
      ingest = new IngestServer(ingestIo, {
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
      output = new OutputServer(outputIo, {
        hub: ctx.hub,
        ids: ctx.ids,
        log,
        maxBufferedPackets: options.outputMaxBufferedPackets,
        jsonBounds: ctx.listener.jsonBounds,
      });
      registry.start();
      return Promise.all([ingestHttp.listen(), outputHttp.listen(), statusHttp.listen()]);
    },

    stats(): DialectStats {
      const [ingest, out] = servers;
      const ingestConnections = ingest?.engine.clientsCount ?? 0;
      const outputConnections = out?.engine.clientsCount ?? 0;
      return {
        connections: ingestConnections + outputConnections,
        ingestConnections,
        outputConnections,
        matches: registry.size,
        rooms: output?.roomCount ?? 0,
      };
    },

    async close(_reason: CloseReason, deadlineMs: number, drainWindowMs = 0): Promise<void> {
      // Issue 14: every Engine.IO connection (overlays and observers) ends at its own instant of the
      // window, its buffered packets written first, as a transport close so that socket.io-client
      // reconnects (hang-up.ts endTransport). Matches keep running meanwhile.
      const listenersClosed = Promise.all(listeners.map((l) => l.close(deadlineMs)));
      const conns = servers.flatMap((io) => Object.values((io.engine as unknown as { clients: Record<string, EngineConn> }).clients));
      const drain = spreadDrain(conns, endTransport, { windowMs: drainWindowMs, clock: ctx.clock });
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([drain.done, new Promise<void>((resolve) => (timer = setTimeout(resolve, deadlineMs)))]);
      clearTimeout(timer);
      drain.endNow();
      await registry.close();
      ingest?.close();
      output?.detachAll();
      for (const io of servers) {
        // Closing the engine drops every transport at once (clients reconnect elsewhere); a
        // namespace-level disconnect first would leave polling transports waiting for a GET.
        io.engine.close();
      }
      await listenersClosed;
    },
  };
}
