/**
 * The servers under test, each started as a child pinned to core 0, on loopback, on free ports:
 * StreamHub (match dialect), StreamHub through its own protocol (issue 18), Socket.IO room
 * broadcast, the naive ws loop, the C floor, and nginx + nchan with a config of the bench's own in
 * a temporary directory. Each returns the same shape:
 * { name, pid, mode, subscriberPath(channel), prepare(channel) → publisher, stop() }, and
 * optionally loadgenArgs(channel) → more loadgen flags for its subscribers (streamhub-protocol).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { matchInit } from './message.mjs';
import { spawnPinned, stopChild, waitForLine } from './proc.mjs';
import { manyPublishers, nchanPublisher, socketIoPublisher, wsPublisher } from './publishers.mjs';

export const BENCH_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const ROOT_DIR = resolve(BENCH_DIR, '..');
const SERVER_CORE = 0;
const INGEST_TOKEN = 'bench-ingest-token';

/** Settings the bench gives StreamHub (reported in the results). */
export function streamhubConfig() {
  return {
    // connection storms are what S1 and S4 measure: no new-connection rate limit (server.connectionRate)
    server: { host: '127.0.0.1', logLevel: 'info', demo: false, handshakeTimeoutMs: 60_000, connectionRate: { perSecond: 0 } },
    operator: { enabled: false },
    nova: { enabled: false },
    relay: { enabled: false },
    spectra: { enabled: false },
    elstat: { enabled: false },
    streamhub: { enabled: false },
    match: {
      port: 0,
      // thousands of loopback subscribers come from a few 127.0.0.x addresses
      perIpMax: 20_000,
      totalMax: 20_000,
      // zero loss is the pass criterion: a deep queue, and no stall close (latency fails a step first)
      queue: { maxMessages: 100_000, maxBytes: 256 * 1024 * 1024, overflow: 'drop-oldest', stallTimeoutMs: 0 },
      // S2 opens one ingest connection per match (a connection publishes to its last MatchInit's match)
      ingest: { token: INGEST_TOKEN, maxInflight: 65_536, maxConnections: 2_100 },
      demo: { mock: false, statsbomb: false },
    },
  };
}

function cleanEnv() {
  const env = { ...process.env, NODE_ENV: 'production' };
  for (const key of Object.keys(env)) if (key.startsWith('STREAMHUB_') || key.startsWith('STREAM_')) delete env[key];
  return env;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/**
 * @param {object} o
 * @param {object} [o.config]  a whole StreamHub config (default: streamhubConfig(), match only)
 * @param {object} [o.env]     extra environment (S5: NOVA_JWT_SECRET)
 * @param {string} [o.cores]   taskset core list for the server (default core 0; `--server-cores`)
 */
export async function startStreamHub({ size, profile, config, env, cores }) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-streamhub-'));
  const configFile = join(dir, 'streamhub.json');
  writeFileSync(configFile, JSON.stringify(config ?? streamhubConfig(), null, 2));
  const profDir = join(BENCH_DIR, 'results', 'prof');
  if (profile) mkdirSync(profDir, { recursive: true });
  // Diagnostics: BENCH_SERVER_NODE_ARGS="--trace-gc" adds node flags to StreamHub's process.
  const extraArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const nodeArgs = [...extraArgs, ...(profile ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : []), '--import', 'tsx', 'src/main.ts', '--config', configFile];
  const child = spawnPinned(cores ?? SERVER_CORE, process.execPath, nodeArgs, { cwd: ROOT_DIR, env: { ...cleanEnv(), ...env } });
  const up = await waitForLine(child, (v) => v.msg === 'StreamHub listening', 60_000, 'StreamHub start');
  const port = up.listeners.match.find((l) => l.name === 'ws')?.port ?? up.listeners.match[0].port;
  const prepare = async (channel) => {
    const pub = await wsPublisher(`ws://127.0.0.1:${port}/v1/ingest?match_id=${channel}`, size, {
      headers: { authorization: `Bearer ${INGEST_TOKEN}` },
      first: matchInit(channel),
    });
    await pub.flush();
    return pub;
  };
  return {
    name: 'streamhub',
    label: 'StreamHub (match)',
    child,
    pid: child.pid,
    port,
    listeners: up.listeners,
    ingestToken: INGEST_TOKEN,
    mode: 'ws',
    subscriberPath: (channel) => `/v1/match/${channel}`,
    prepare,
    // S2: one ingest connection per match, each with its MatchInit first (issue #8 S2)
    prepareMany: (channels) => manyPublishers(channels, prepare),
    async stop() {
      await stopChild(child, 15_000);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function startNodePeer(name, label, script, mode, subscriberPath, makePublisher, makeMany) {
  const child = spawnPinned(SERVER_CORE, process.execPath, [join(BENCH_DIR, 'peers', script), '0'], { cwd: BENCH_DIR, env: cleanEnv() });
  const { port } = await waitForLine(child, (v) => typeof v.port === 'number', 30_000, `${name} start`);
  return {
    name,
    label,
    child,
    pid: child.pid,
    port,
    mode,
    subscriberPath,
    prepare: (channel) => makePublisher(port, channel),
    prepareMany: (channels) => makeMany(port, channels),
    stop: () => stopChild(child),
  };
}

export const startWsPeer = ({ size }) =>
  startNodePeer(
    'ws',
    'naive ws loop',
    'ws-broadcast.mjs',
    'ws',
    (channel) => (channel ? `/sub/${channel}` : '/sub'),
    (port, channel) => wsPublisher(`ws://127.0.0.1:${port}/pub/${channel}`, size),
    (port, channels) => manyPublishers(channels, (c) => wsPublisher(`ws://127.0.0.1:${port}/pub/${c}`, size)),
  );

export const startSocketIo = ({ size }) =>
  startNodePeer(
    'socketio',
    'Socket.IO 4.8 room',
    'socketio-room.mjs',
    'sio',
    (channel) => `/socket.io/?EIO=4&transport=websocket${channel ? `&room=${channel}` : ''}`,
    (port, channel) => socketIoPublisher(port, size, [channel]),
    // S2: one publisher socket, one `pub` event per room
    (port, channels) => socketIoPublisher(port, size, channels),
  );

function nchanConfig(dir, port) {
  const asRoot = process.getuid?.() === 0 ? 'user root;' : '';
  return `# nginx + nchan for the StreamHub bench (generated; issue #8)
load_module /usr/lib/nginx/modules/ngx_nchan_module.so;
${asRoot}
daemon off;
master_process on;
worker_processes 1;
worker_rlimit_nofile 20000;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 19000; use epoll; multi_accept on; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  nchan_shared_memory_size 256M;
  server {
    listen 127.0.0.1:${port} backlog=4096;
    location ~ ^/sub/([A-Za-z0-9_-]+)$ {
      nchan_subscriber websocket;
      nchan_channel_id $1;
      nchan_subscriber_first_message newest;
    }
    location ~ ^/pub/([A-Za-z0-9_-]+)$ {
      nchan_publisher http websocket;
      nchan_channel_id $1;
      nchan_message_buffer_length 16;
      nchan_message_timeout 60s;
    }
  }
}
`;
}

export async function startNchan({ size }) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-nchan-'));
  const port = await freePort();
  writeFileSync(join(dir, 'nginx.conf'), nchanConfig(dir, port));
  const child = spawnPinned(SERVER_CORE, '/usr/sbin/nginx', ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')], { cwd: dir });
  // nginx prints nothing when it is up: poll the port (bounded).
  const { connect } = await import('node:net');
  let ok = false;
  for (let i = 0; i < 100 && !ok && child.exitCode === null; i++) {
    ok = await new Promise((res) => {
      const s = connect(port, '127.0.0.1', () => {
        s.destroy();
        res(true);
      });
      s.on('error', () => res(false));
    });
    if (!ok) await new Promise((r) => setTimeout(r, 100));
  }
  if (!ok) throw new Error(`nginx did not start\n${child.tail.join('\n')}`);
  return {
    name: 'nchan',
    label: 'nginx + nchan',
    child,
    pid: child.pid,
    port,
    mode: 'ws',
    subscriberPath: (channel) => `/sub/${channel}`,
    prepare: (channel) => nchanPublisher(port, channel, size),
    prepareMany: (channels) => manyPublishers(channels, (c) => nchanPublisher(port, c, size)),
    async stop() {
      await stopChild(child, 5_000); // nginx: SIGTERM is its fast stop
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The C floor (peers/floor.c, issue 19): StreamHub's own match paths (`/v1/ingest?match_id=` to
 * publish, `/v1/match/<id>` to subscribe), each message framed once into a shared log, one write()
 * per subscriber per epoll turn. `FLOOR_MIN_TURN_US` (env of the bench) passes through.
 */
export async function startFloor({ size }) {
  const bin = join(BENCH_DIR, 'peers', 'floor');
  const env = { PATH: process.env.PATH, ...(process.env.FLOOR_MIN_TURN_US ? { FLOOR_MIN_TURN_US: process.env.FLOOR_MIN_TURN_US } : {}) };
  const child = spawnPinned(SERVER_CORE, bin, ['0'], { cwd: BENCH_DIR, env });
  const { port } = await waitForLine(child, (v) => typeof v.port === 'number', 10_000, 'floor start');
  const prepare = (channel) => wsPublisher(`ws://127.0.0.1:${port}/v1/ingest?match_id=${channel}`, size, { first: matchInit(channel) });
  return {
    name: 'floor',
    label: 'C floor',
    child,
    pid: child.pid,
    port,
    mode: 'ws',
    subscriberPath: (channel) => `/v1/match/${channel}`,
    prepare,
    prepareMany: (channels) => manyPublishers(channels, prepare),
    stop: () => stopChild(child),
  };
}

/**
 * StreamHub's own protocol (issue 18, src/dialects/streamhub/PROTOCOL.md): the `streamhubConfig()`
 * process with the streamhub dialect on beside match. Publishing goes through the match ingest
 * exactly as for `streamhub`, so both entries measure the same hub channel `match:<id>`; only the
 * subscribers' dialect differs.
 */
export function streamhubProtocolConfig() {
  const config = streamhubConfig();
  config.streamhub = {
    enabled: true,
    port: 0,
    // as match: thousands of loopback subscribers from a few 127.0.0.x addresses, connection storms
    perIpMax: 20_000,
    totalMax: 20_000,
    connectTimeoutMs: 60_000,
    // loadgen answers WebSocket pings, not the protocol's JSON `ping` (§13): a client silent for
    // 2 × this is closed 4002, so the interval outlasts loadgen's own --max-seconds (7200)
    pingIntervalMs: 3_600_000,
    // zero loss is the pass criterion: a deep queue per subscription (overflow closes 4001 here,
    // which fails the step as a loss), as match's queue is raised above
    queue: { maxMessages: 100_000, maxBytes: 256 * 1024 * 1024 },
    maxPendingDuringReplay: 100_000,
    // read-only access without a token (§3): loadgen sends no JWT
    auth: { anonymous: true },
  };
  return config;
}

/**
 * The text frame each loadgen connection sends right after the upgrade (`--send-on-open`): the
 * protocol's `connect` with its `subscribe` items (PROTOCOL.md §5), one frame, so no command can
 * arrive before the connection is connected (§5: that closes 4501). A `%d` in `channel` (S2) is
 * loadgen's, like the one in `--path`.
 */
export const streamhubConnectFrame = (channel) => JSON.stringify({ type: 'connect', id: 1, name: 'bench-loadgen', subscribe: [{ channel: `match:${channel}` }] });

export async function startStreamHubProtocol({ size, profile }) {
  const server = await startStreamHub({ size, profile, config: streamhubProtocolConfig() });
  const own = server.listeners.streamhub?.[0];
  if (!own) {
    await server.stop();
    throw new Error('StreamHub started without the streamhub dialect listening');
  }
  return {
    ...server,
    name: 'streamhub-protocol',
    label: 'StreamHub (own protocol)',
    // subscribers connect here; prepare()/prepareMany() still publish through the match ingest
    port: own.port,
    mode: 'ws',
    subscriberPath: () => '/v1/ws',
    loadgenArgs: (channel) => ['--send-on-open', streamhubConnectFrame(channel)],
  };
}

export const STARTERS = {
  streamhub: startStreamHub,
  'streamhub-protocol': startStreamHubProtocol,
  floor: startFloor,
  nchan: startNchan,
  socketio: startSocketIo,
  ws: startWsPeer,
};
