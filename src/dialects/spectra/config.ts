import { z } from 'zod';
import { durationMs, port, positiveInt, type EnvBinding } from '../../config/common.js';

/**
 * The spectra dialect (seed 003, protocol-notes §4): Socket.IO ingest (5100), output (5200) and
 * the status/extras HTTP port (5101).
 */
export const spectraSchema = z
  .object({
    enabled: z.boolean().default(true),
    ingestPort: port.default(5100),
    outputPort: port.default(5200),
    statusPort: port.default(5101),
    /**
     * Seed 003 §SSL/TLS: `INSECURE=true` serves plain HTTP/WS; `false` serves HTTPS/WSS from
     * `serverKeyFile`/`serverCertFile` (or, when those are unset, the server-wide TLS setting).
     * Null (unset): follow the server-wide TLS setting.
     */
    insecure: z.boolean().nullable().default(null),
    /** PEM private key path (`SERVER_KEY`). */
    serverKeyFile: z.string().min(1).nullable().default(null),
    /** PEM certificate path (`SERVER_CERT`). */
    serverCertFile: z.string().min(1).nullable().default(null),
    /** CORS origin of both Socket.IO servers (seed: `*`); a comma-separated env value gives a list. */
    corsOrigin: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).default('*'),
    /** Development mode silences the start-up warning about the wildcard CORS origin. */
    development: z.boolean().default(false),
    /** Compatible observer/aux client versions (notes §4.3 step 3), a semver comparator set. */
    clientVersionRange: z.string().min(1).default('>=0.3.3 <0.3.25'),
    /** The version string interpolated into the incompatibility reason. */
    serverVersion: z.string().min(1).default('0.3.4'),
    /** `AUTH_KEY`: the observer key. Null: unset (an absent key then never matches). */
    authKey: z.string().min(1).nullable().default(null),
    /** `REQUIRE_AUTH_KEY`: false accepts every observer key (notes §4.3 step 4). */
    requireAuthKey: z.boolean().default(true),
    /**
     * `AUX_AUTH_KEY`: opt-in key for `aux_logon` (its `key` field). Null (default): aux clients need
     * no key, as in the original, because the real Spectra-Client 0.3.3 sends none (issue 20 item 2).
     */
    auxAuthKey: z.string().min(1).nullable().default(null),
    /** Backend base URL; when set, keys are checked by `GET <url>/system/validateAccessKey/<key>` (200 = valid). */
    backendUrl: z.string().url().nullable().default(null),
    /** Deadline of one backend key validation. */
    backendTimeoutMs: durationMs.min(100).default(5_000),
    /** An ingest socket that has not logged on within this time is disconnected (bounded wait). */
    logonTimeoutMs: durationMs.min(1).default(60_000),
    /** Full-state emission interval per match (notes §4.4: 100 ms). */
    emitIntervalMs: durationMs.min(1).default(100),
    /** A match with no new events for this long is removed and its ingest sockets disconnected (notes §4.4: 30 min). */
    idleRemovalMs: durationMs.min(1).default(30 * 60 * 1000),
    /** How often idle matches are looked for. */
    idleSweepIntervalMs: durationMs.min(1).default(60_000),
    /** Most matches held at once; further new group codes are refused (bounded state). */
    maxMatches: positiveInt.default(1_000),
    /** Highest round number accepted in `round_info` (bounds the round record). */
    maxRounds: positiveInt.default(99),
    /** Team info kept for `GET /getTeamInfoForCode` after a match ends (entries, oldest evicted first). */
    teamInfoCacheSize: positiveInt.default(1_000),
    /** Socket.IO `maxHttpBufferSize` of both servers (Socket.IO default, 1 MB). */
    maxHttpBufferSize: positiveInt.default(1_000_000),
    /** Packets buffered for one overlay socket above which it is disconnected as a slow consumer. */
    outputMaxBufferedPackets: positiveInt.default(256),
    /** Concurrent connection caps, per dialect listener. */
    ingestPerIpMax: positiveInt.default(50),
    ingestTotalMax: positiveInt.default(2_000),
    outputPerIpMax: positiveInt.default(200),
    outputTotalMax: positiveInt.default(20_000),
  })
  .strict()
  .prefault({});

export const spectraEnv: EnvBinding[] = [
  { name: 'STREAMHUB_SPECTRA_INGEST_PORT', path: 'spectra.ingestPort', type: 'int' },
  { name: 'STREAMHUB_SPECTRA_OUTPUT_PORT', path: 'spectra.outputPort', type: 'int' },
  { name: 'STREAMHUB_SPECTRA_STATUS_PORT', path: 'spectra.statusPort', type: 'int' },
  { name: 'INSECURE', path: 'spectra.insecure', type: 'bool', doc: 'seed 003: true = plain HTTP/WS' },
  { name: 'SERVER_KEY', path: 'spectra.serverKeyFile', type: 'string', doc: 'seed 003: PEM key path' },
  { name: 'SERVER_CERT', path: 'spectra.serverCertFile', type: 'string', doc: 'seed 003: PEM certificate path' },
  { name: 'STREAMHUB_SPECTRA_CORS_ORIGIN', path: 'spectra.corsOrigin', type: 'list' },
  { name: 'STREAMHUB_SPECTRA_DEVELOPMENT', path: 'spectra.development', type: 'bool' },
  { name: 'STREAMHUB_SPECTRA_CLIENT_VERSIONS', path: 'spectra.clientVersionRange', type: 'string' },
  { name: 'AUTH_KEY', path: 'spectra.authKey', type: 'nullable-string', doc: 'original Spectra env name' },
  { name: 'REQUIRE_AUTH_KEY', path: 'spectra.requireAuthKey', type: 'bool', doc: 'original Spectra env name' },
  { name: 'AUX_AUTH_KEY', path: 'spectra.auxAuthKey', type: 'nullable-string', doc: 'opt-in aux_logon key, named like AUTH_KEY' },
  { name: 'STREAMHUB_SPECTRA_BACKEND_URL', path: 'spectra.backendUrl', type: 'nullable-string' },
  { name: 'BACKEND_URL', path: 'spectra.backendUrl', type: 'nullable-string', aliasOf: 'STREAMHUB_SPECTRA_BACKEND_URL' },
  { name: 'STREAMHUB_SPECTRA_EMIT_INTERVAL_MS', path: 'spectra.emitIntervalMs', type: 'int' },
  { name: 'STREAMHUB_SPECTRA_IDLE_REMOVAL_MS', path: 'spectra.idleRemovalMs', type: 'int' },
  { name: 'STREAMHUB_SPECTRA_MAX_MATCHES', path: 'spectra.maxMatches', type: 'int' },
];
