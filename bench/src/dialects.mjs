/**
 * S5 of issue #8: each StreamHub dialect on its own path, at a fixed moderate rate
 * (`--s5-rate` messages/s to `--s5-subscribers` subscribers for `--s5-seconds`): delivered/s,
 * p50/p99/max publish→receive, loss. Subscribers are the C loadgen wherever the payload can carry
 * the bench marker `#t<µs>#s<seq>#` (match StateFrame `clock_display`, nova `error` message,
 * relay binary chunk, spectra toast message inside `match_data`); elstat DATA carries only the
 * check's start time, so its subscribers are `ws` clients in the bench process (latency = receive
 * − check start, ms resolution, which includes the probe itself).
 */
import { createHmac, randomUUID } from 'node:crypto';
import { request, Agent } from 'node:http';
import { createServer } from 'node:net';
import { io } from 'socket.io-client';
import WebSocket from 'ws';
import { startLoadgen } from './loadgen.mjs';
import { loadAverage, publishPaced, waitDelivered } from './measure.mjs';
import { matchInit, monoMicros } from './message.mjs';
import { cpuMs, rssBytes, sleep } from './proc.mjs';
import { streamhubConfig } from './servers.mjs';

const NOVA_SECRET = 'bench-nova-hs256-secret-loopback-only';
const NOVA_CONTROL = 'bench-nova-control-token';
const SPECTRA_KEY = 'bench-spectra-key';
const RELAY_KEY = 'benchkey';
const WIDE = { perIpMax: 20_000, totalMax: 20_000 };
const marker = (seq) => `#t${monoMicros()}#s${seq}#`;

/** StreamHub with every dialect on (ports 0), caps raised for loopback load, elstat probing `target`. */
export function allDialectsConfig(targetPort, probeIntervalMs = 10) {
  const base = streamhubConfig();
  return {
    ...base,
    nova: { enabled: true, port: 0, ...WIDE, controlToken: NOVA_CONTROL, demo: { enabled: false } },
    relay: { enabled: true, port: 0, ...WIDE },
    spectra: { enabled: true, ingestPort: 0, outputPort: 0, statusPort: 0, authKey: SPECTRA_KEY, outputPerIpMax: 20_000 },
    elstat: {
      enabled: true,
      port: 0,
      ...WIDE,
      services: [{ name: 'bench', adapter: 'tcp', target: `127.0.0.1:${targetPort}`, intervalMs: probeIntervalMs, timeoutMs: 1_000 }],
    },
  };
}

/** The env StreamHub gets for S5: the HS256 secret nova verifies viewer tokens with. */
export const ALL_DIALECTS_ENV = { NOVA_JWT_SECRET: NOVA_SECRET };

/** A local TCP target for elstat's `tcp` probe: accepts and closes. */
export function startProbeTarget() {
  return new Promise((resolve) => {
    const srv = createServer((s) => s.destroy());
    srv.listen(0, '127.0.0.1', () => resolve({ port: srv.address().port, close: () => new Promise((r) => srv.close(r)) }));
  });
}

function hs256(claims) {
  const b64 = (v) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const body = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}`;
  return `${body}.${createHmac('sha256', NOVA_SECRET).update(body).digest('base64url')}`;
}

function openWs(url, opts = {}) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false, ...opts });
    const timer = setTimeout(() => (ws.terminate(), reject(new Error(`${url} did not open in 10 s`))), 10_000);
    ws.once('open', () => (clearTimeout(timer), resolve(ws)));
    ws.once('error', (err) => (clearTimeout(timer), reject(err)));
  });
}

const drained = async (pending) => {
  for (let waited = 0; pending() > 0 && waited < 10_000; waited += 5) await sleep(5);
};

function wsPub(ws, build, binary = false) {
  ws.on('error', () => {});
  return {
    send: (seq, t) => ws.send(build(seq, t), { binary }),
    flush: () => drained(() => ws.bufferedAmount),
    close: async () => ws.close(),
  };
}

function stateFrame(seq, t) {
  const players = Array.from({ length: 22 }, (_, i) => ({ id: `p${i}`, pos: [(i * 4.5 + t / 100) % 105, (i * 3) % 68], facing: (i * 16) % 360, anim: 'x_bench' }));
  return JSON.stringify({ type: 'state', t, ball: { pos: [52.5, 34, 0] }, players, clock_display: marker(seq) });
}

function postJson(port, path, body, agent) {
  return new Promise((resolve, reject) => {
    const data = JSON.stringify(body);
    const req = request(
      { host: '127.0.0.1', port, path, method: 'POST', agent, headers: { authorization: `Bearer ${NOVA_CONTROL}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode));
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

const portOf = (server, dialect, name) => (name ? server.listeners[dialect].find((l) => l.name === name) : server.listeners[dialect][0]).port;

/** Each dialect: how its subscribers connect (loadgen) and how the bench publishes. */
export const DIALECTS = {
  async match(server) {
    const id = `b-s5-${Date.now().toString(36)}`;
    const ws = await openWs(`ws://127.0.0.1:${server.port}/v1/ingest?match_id=${id}`, { headers: { authorization: `Bearer ${server.ingestToken}` } });
    const errors = [];
    ws.on('message', (d) => errors.length < 5 && errors.push(String(d).slice(0, 200))); // x_error: an invalid frame
    ws.send(JSON.stringify(matchInit(id))); // MatchInit first, then StateFrames on the same ingest connection
    await sleep(300);
    return { port: server.port, path: `/v1/match/${id}`, mode: 'ws', pub: { ...wsPub(ws, stateFrame), failures: errors } };
  },
  async nova(server) {
    const port = portOf(server, 'nova');
    const id = randomUUID();
    // one connection: the control API handles POSTs in arrival order, so the events keep the publish order
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const status = await postJson(port, `/api/v1/streams/${id}/start`, { broadcaster_id: 'bench', title: 'bench', quality: '1080p', fps: 60, bitrate_kbps: 5000 }, agent);
    if (status !== 200) throw new Error(`nova start: HTTP ${status}`);
    const token = hs256({ sub: 'bench-viewer', exp: Math.floor(Date.now() / 1000) + 3600, token_type: 'access' });
    let inflight = 0;
    const failures = [];
    const pub = {
      send(seq) {
        inflight++;
        postJson(port, `/api/v1/streams/${id}/error`, { error_code: 'BENCH', error_message: marker(seq) }, agent)
          .then((s) => s !== 200 && failures.length < 5 && failures.push(s))
          .catch((e) => failures.length < 5 && failures.push(e.message))
          .finally(() => inflight--);
      },
      flush: () => drained(() => inflight),
      close: async () => agent.destroy(),
      failures,
    };
    return { port, path: `/api/v1/streams/${id}/ws?token=${token}`, mode: 'ws', pub };
  },
  async relay(server) {
    const port = portOf(server, 'relay');
    const ch = `bs5${Date.now().toString(36)}`;
    const ws = await openWs(`ws://127.0.0.1:${port}/${ch}/${RELAY_KEY}/publish`);
    ws.send(Buffer.from('\x1aE\xdf\xa3 bench header chunk'), { binary: true }); // pinned first chunk (no marker)
    const pad = Buffer.alloc(1024 - 40, 0x2e);
    return { port, path: `/${ch}/${RELAY_KEY}/receive`, mode: 'ws', pub: wsPub(ws, (seq) => Buffer.concat([Buffer.from(marker(seq)), pad]), true) };
  },
  async spectra(server) {
    const group = `B${Date.now().toString(36).toUpperCase().slice(-6)}`;
    const socket = io(`http://127.0.0.1:${portOf(server, 'spectra', 'ingest')}`, { transports: ['websocket'], reconnection: false });
    const team = (name, tricode, attackStart) => ({ name, tricode, url: 'https://example.invalid/t.png', attackStart });
    const ack = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('spectra: no obs_logon_ack in 10 s')), 10_000);
      socket.once('obs_logon_ack', (a) => (clearTimeout(timer), resolve(typeof a === 'string' ? JSON.parse(a) : a)));
      socket.once('connect_error', (e) => (clearTimeout(timer), reject(e)));
      socket.emit(
        'obs_logon',
        JSON.stringify({ type: 'authenticate', clientVersion: '0.3.3', obsName: 'bench', key: SPECTRA_KEY, groupCode: group, leftTeam: team('Left', 'LFT', true), rightTeam: team('Right', 'RGT', false), toolsData: {} }),
      );
    });
    if (ack.value !== true) throw new Error(`spectra logon refused: ${ack.reason}`);
    const pub = {
      send(seq) {
        const data = { duration: null, title: 'bench', message: marker(seq), eventLogoEnabled: false, active: true };
        socket.emit('obs_data', JSON.stringify({ obsName: 'bench', groupCode: group, type: 'toast', data }));
      },
      flush: () => drained(() => socket.io.engine?.writeBuffer?.length ?? 0),
      close: async () => socket.close(),
    };
    const logon = `42["logon","{\\"groupCode\\":\\"${group}\\"}"]`;
    return { port: portOf(server, 'spectra', 'output'), path: '/socket.io/?EIO=4&transport=websocket', mode: 'sio', extra: ['--sio-emit', logon], pub, maxRate: 5 };
  },
};

/** One fixed-rate measurement through loadgen. */
async function measureLoadgenDialect(server, dialect, { opts, log }) {
  const setup = await DIALECTS[dialect](server);
  const n = opts.s5Subscribers;
  // spectra emits match_data at most every emitIntervalMs (100 ms): above that, states coalesce by design
  const rate = Math.min(opts.s5Rate, setup.maxRate ?? Infinity);
  let lg;
  try {
    lg = await startLoadgen({ port: setup.port, path: setup.path, conns: n, mode: setup.mode, srcAddrs: opts.srcAddrs, coalesceUs: opts.coalesceUs, extra: setup.extra });
    if (lg.ready.open !== n) throw new Error(`only ${lg.ready.open} of ${n} subscribers connected (${lg.ready.failed} failed)`);
    await sleep(500);
    // warm-up (JIT, first-message paths), not counted
    const t0 = performance.now(); // one match clock for warm-up and step (match time must not go back)
    await publishPaced(setup.pub, 1, rate, 1000, t0);
    await sleep(300);
    const count = rate * opts.s5Seconds;
    const lo = rate + 1;
    await lg.reset(lo, lo + count);
    const cpu0 = cpuMs(server.pid);
    const published = await publishPaced(setup.pub, lo, count, opts.s5Seconds * 1000, t0);
    const r = await waitDelivered(lg, n * count);
    const cpu1 = cpuMs(server.pid);
    return {
      dialect,
      subscribers: n,
      publishRate: rate,
      expected: n * count,
      received: r.received,
      delivered: Math.round(r.received / (published.ms / 1000)),
      p50Ms: r.p50_us / 1000,
      p99Ms: r.p99_us / 1000,
      maxMs: r.max_us / 1000,
      gaps: r.gaps,
      dups: r.dups,
      closed: n - r.open,
      serverCpu: (cpu1.user + cpu1.sys - cpu0.user - cpu0.sys) / (r.wall_us / 1000),
      loadgenCpu: (r.cpu_user_us + r.cpu_sys_us) / r.wall_us,
      publisherFailures: setup.pub.failures ?? [],
    };
  } finally {
    await lg?.stop();
    await setup.pub.close();
  }
}

/** elstat: `ws` subscribers of status:bench + latency:bench; DATA follows every probe (10 ms interval). */
async function measureElstat(server, { opts }) {
  const port = portOf(server, 'elstat');
  const n = opts.s5Subscribers;
  const clients = [];
  const lat = [];
  let received = 0;
  let counting = false;
  try {
    for (let i = 0; i < n; i += 50) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(50, n - i) }, (_, j) => openWs(`ws://127.0.0.1:${port}/api/streaming`, { localAddress: `127.0.0.${1 + ((i + j) % opts.srcAddrs)}` })),
      );
      clients.push(...batch);
    }
    for (const ws of clients) {
      ws.on('error', () => {});
      ws.on('message', (data) => {
        if (!counting) return;
        const m = JSON.parse(data);
        if (m.op !== 3) return;
        received++;
        lat.push(Date.now() - m.d[0]);
      });
      ws.send(JSON.stringify({ op: 0, channels: ['status:bench', 'latency:bench'] }));
    }
    await sleep(1_000);
    const cpu0 = cpuMs(server.pid);
    counting = true;
    const t0 = performance.now();
    await sleep(opts.s5Seconds * 1000);
    counting = false;
    const ms = performance.now() - t0;
    const cpu1 = cpuMs(server.pid);
    lat.sort((a, b) => a - b);
    const q = (p) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] ?? NaN;
    return {
      dialect: 'elstat',
      subscribers: n,
      publishRate: Math.round(received / n / 2 / (ms / 1000)), // probes per second (2 channels per probe)
      expected: null,
      received,
      delivered: Math.round(received / (ms / 1000)),
      p50Ms: q(0.5),
      p99Ms: q(0.99),
      maxMs: lat.at(-1) ?? NaN,
      gaps: null,
      dups: null,
      closed: clients.filter((c) => c.readyState !== WebSocket.OPEN).length,
      serverCpu: (cpu1.user + cpu1.sys - cpu0.user - cpu0.sys) / ms,
      loadgenCpu: null,
      note: 'latency from the check start (d[0], ms) to receipt: includes the TCP probe; rate set by the probe interval (10 ms)',
    };
  } finally {
    for (const ws of clients) ws.terminate();
  }
}

/** Runs every dialect once against a StreamHub started with allDialectsConfig(). */
export async function measureDialects(server, { run, opts, log }) {
  const out = [];
  for (const dialect of ['match', 'nova', 'relay', 'spectra', 'elstat']) {
    try {
      const r = dialect === 'elstat' ? await measureElstat(server, { opts }) : await measureLoadgenDialect(server, dialect, { opts, log });
      r.run = run;
      r.loadAvg = loadAverage();
      out.push(r);
      log(
        `  S5 ${dialect} run=${run}: ${r.subscribers} subscribers × ${r.publishRate} msg/s → delivered ${r.delivered}/s ` +
          `(${r.received}${r.expected ? `/${r.expected}` : ''}) p50=${r.p50Ms.toFixed(2)}ms p99=${r.p99Ms.toFixed(2)}ms max=${r.maxMs.toFixed(1)}ms ` +
          `gaps=${r.gaps ?? '—'} server-cpu=${(r.serverCpu * 100).toFixed(0)}% load=${r.loadAvg}`,
      );
    } catch (err) {
      out.push({ dialect, run, error: err.message.split('\n')[0] });
      log(`  S5 ${dialect} run=${run}: ${err.message.split('\n')[0]}`);
    }
    await sleep(500);
  }
  return out;
}

/**
 * Idle memory per connection of one dialect (issue 19): `start()` gives a fresh StreamHub with every
 * dialect on (one per dialect, so memory freed by an earlier measurement cannot hide the next one's),
 * the dialect's channel is set up as in S5 (match: MatchInit; nova: a started stream, viewers with an
 * HS256 JWT; relay: a publisher with its header chunk; spectra: an observer logged on to a group,
 * overlays sending `logon` over Socket.IO; elstat: subscribers sending op 0 for `status:`/`latency:`),
 * then RSS before and 3 s after `conns` idle subscribers (loadgen), divided by those open.
 */
export async function measureDialectMemory(start, dialect, { conns, opts, log }) {
  let server;
  let setup;
  let lg;
  let before = 0;
  try {
    server = await start();
    setup =
      dialect === 'elstat'
        ? {
            port: portOf(server, 'elstat'),
            path: '/api/streaming',
            mode: 'ws',
            extra: ['--emit', JSON.stringify({ op: 0, channels: ['status:bench', 'latency:bench'] })],
            pub: { close: async () => {} },
          }
        : await DIALECTS[dialect](server);
    await sleep(1_000);
    before = rssBytes(server.pid);
    lg = await startLoadgen({ port: setup.port, path: setup.path, conns, mode: setup.mode, srcAddrs: opts.srcAddrs, coalesceUs: opts.coalesceUs, extra: setup.extra });
    await sleep(3_000); // per-connection setup (hello, replay, timers) settles
    const after = rssBytes(server.pid);
    const open = (await lg.report()).open;
    const perConnection = open > 0 ? (after - before) / open : 0;
    log(`  ${dialect}: RSS ${(before / 2 ** 20).toFixed(1)} MiB → ${(after / 2 ** 20).toFixed(1)} MiB with ${open} idle subscribers: ${(perConnection / 1024).toFixed(1)} KiB each`);
    // readyMs: how long loadgen took to open (and, for spectra, log on) every subscriber
    return { dialect, conns, open, rssBefore: before, rssAfter: after, perConnection, readyMs: lg.ready.ms, loadAvg: loadAverage() };
  } catch (err) {
    log(`  ${dialect}: memory measurement failed: ${err.message.split('\n')[0]}`);
    return { dialect, conns, open: 0, rssBefore: before, rssAfter: 0, perConnection: 0, error: err.message.split('\n')[0] };
  } finally {
    await lg?.stop();
    await setup?.pub.close();
    await server?.stop();
  }
}

export const MEMORY_DIALECTS = ['match', 'nova', 'relay', 'spectra', 'elstat'];
