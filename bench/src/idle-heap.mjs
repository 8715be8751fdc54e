/**
 * `--scenarios=idle-heap` (issue 19: "≤ 6.5 KiB per idle connection on every dialect"): for each
 * StreamHub dialect (match, nova, relay, spectra, elstat, streamhub) and for a bare `ws` server in
 * the same run, a fresh server process started with `--expose-gc` and bench/src/heap-probe.mjs
 * preloaded gets `--idle-connections` idle subscribers, opened the way each dialect's real client
 * connects (match renderer; nova viewer with an HS256 JWT; relay `/receive`; spectra overlay via
 * socket.io-client + `logon`; elstat op 0 subscribe; streamhub `connect` with a subscribe item).
 * Before and after them (once the server's CPU is quiet again) the probe collects garbage and
 * reports V8's used heap and RSS; then a heap snapshot is taken with them and another once they have
 * closed (snapshots come last: writing one leaves native memory in the RSS). Per connection: (a) used
 * heap, and snapshot self sizes by class, (b) RSS, each also as a ratio to bare `ws`; and the used
 * heap left once they closed (code compiled meanwhile, or a leak). The heap figures repeat within a
 * few percent on a loaded machine (they count objects after a full GC); RSS depends on when V8 grows
 * its pages and what malloc returns to the kernel, and moves by KiBs between runs.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { io } from 'socket.io-client';
import WebSocket from 'ws';
import { allDialectsConfig, ALL_DIALECTS_ENV, DIALECTS, startProbeTarget } from './dialects.mjs';
import { classesPerConnection, snapshotClasses } from './heap-snapshot.mjs';
import { loadAverage } from './measure.mjs';
import { cpuMs, sleep, spawnPinned, stopChild, waitForLine } from './proc.mjs';
import { BENCH_DIR, startStreamHub, streamhubProtocolConfig } from './servers.mjs';

const PROBE = join(dirname(fileURLToPath(import.meta.url)), 'heap-probe.mjs');
const PROBE_ARGS = ['--expose-gc', '--import', PROBE];
export const IDLE_HEAP_TARGETS = ['ws', 'match', 'nova', 'relay', 'spectra', 'elstat', 'streamhub'];
/** Subscribers opened at once; the rest wait (a connection storm is not what this measures). */
const CONCURRENCY = 50;
/** Subscribers open through both probes, so lazily built per-channel state is in "before". */
const WARM = 20;
const SETTLE_MS = 2_000;
/** Largest classes shown per target. */
const TOP = 14;

/** The bare `ws` peer (bench/peers/ws-broadcast.mjs) with the probe preloaded. */
async function startBareWs(env) {
  const child = spawnPinned(0, process.execPath, [...PROBE_ARGS, join(BENCH_DIR, 'peers', 'ws-broadcast.mjs'), '0'], { cwd: BENCH_DIR, env: { ...process.env, ...env } });
  const { port } = await waitForLine(child, (v) => typeof v.port === 'number', 30_000, 'ws start');
  return { name: 'ws', child, pid: child.pid, port, stop: () => stopChild(child) };
}

/** StreamHub with every dialect on (the streamhub dialect as the bench configures it), the probe preloaded. */
async function startAllDialects(targetPort, env) {
  const config = allDialectsConfig(targetPort, 1_000); // elstat probes once a second: subscribers idle between DATA frames
  config.streamhub = { ...streamhubProtocolConfig().streamhub };
  // BENCH_SERVER_NODE_ARGS is how startStreamHub takes extra node flags (servers.mjs)
  const saved = process.env.BENCH_SERVER_NODE_ARGS;
  process.env.BENCH_SERVER_NODE_ARGS = [saved ?? '', ...PROBE_ARGS].join(' ').trim();
  try {
    return await startStreamHub({ size: 200, config, env: { ...ALL_DIALECTS_ENV, ...env } });
  } finally {
    if (saved === undefined) delete process.env.BENCH_SERVER_NODE_ARGS;
    else process.env.BENCH_SERVER_NODE_ARGS = saved;
  }
}

const listenerPort = (server, dialect, name) => (name ? server.listeners[dialect].find((l) => l.name === name) : server.listeners[dialect][0]).port;

/** Resolves once `ws` got its first message (or opened, with `onOpen`); rejects after 15 s. */
function wsClient(url, { first, onOpen = false, localAddress } = {}) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false, localAddress });
    const timer = setTimeout(() => (ws.terminate(), reject(new Error(`${url.split('?')[0]}: not ready in 15 s`))), 15_000);
    const ready = () => (clearTimeout(timer), resolve({ close: () => ws.terminate(), isOpen: () => ws.readyState === WebSocket.OPEN }));
    ws.on('error', (err) => (clearTimeout(timer), reject(err)));
    ws.once('open', () => {
      if (first) ws.send(first);
      if (onOpen) ready();
    });
    if (!onOpen) ws.once('message', ready);
  });
}

/** A spectra overlay as the real one connects (notes §4.4): Socket.IO over WebSocket, `logon`, then `logon_success`. */
function spectraOverlay(port, groupCode) {
  return new Promise((resolve, reject) => {
    const socket = io(`http://127.0.0.1:${port}`, { transports: ['websocket'], reconnection: false, forceNew: true });
    const timer = setTimeout(() => (socket.close(), reject(new Error('spectra overlay: no logon_success in 15 s'))), 15_000);
    socket.once('connect', () => socket.emit('logon', JSON.stringify({ groupCode })));
    socket.once('connect_error', (err) => (clearTimeout(timer), reject(err)));
    socket.once('logon_success', () => (clearTimeout(timer), resolve({ close: () => socket.close(), isOpen: () => socket.connected })));
  });
}

/** How one target's subscribers connect: `{ open(i) → client, pub? }`. */
async function subscriberOf(target, server, opts) {
  const local = (i) => `127.0.0.${1 + (i % opts.srcAddrs)}`;
  if (target === 'ws') return { open: (i) => wsClient(`ws://127.0.0.1:${server.port}/sub/idle`, { onOpen: true, localAddress: local(i) }) };
  if (target === 'elstat') {
    const subscribe = JSON.stringify({ op: 0, channels: ['status:bench', 'latency:bench'] });
    return { open: (i) => wsClient(`ws://127.0.0.1:${listenerPort(server, 'elstat')}/api/streaming`, { first: subscribe, localAddress: local(i) }) };
  }
  if (target === 'streamhub') {
    // the match channel a match publisher set up; the connect frame subscribes to it (PROTOCOL.md §5)
    const setup = await DIALECTS.match(server);
    const matchId = setup.path.split('/').pop();
    const connect = JSON.stringify({ type: 'connect', id: 1, name: 'bench-idle', subscribe: [{ channel: `match:${matchId}` }] });
    return { pub: setup.pub, open: (i) => wsClient(`ws://127.0.0.1:${listenerPort(server, 'streamhub')}/v1/ws`, { first: connect, localAddress: local(i) }) };
  }
  const setup = await DIALECTS[target](server);
  if (target === 'spectra') {
    // DIALECTS.spectra hands loadgen the overlay's logon packet: 42["logon","{\"groupCode\":\"…\"}"]
    const { groupCode } = JSON.parse(JSON.parse(setup.extra[1].slice(2))[1]);
    return { pub: setup.pub, open: () => spectraOverlay(setup.port, groupCode) };
  }
  // match renderer (hello first), nova viewer (JWT in the URL; stream_info first), relay receiver (the cached header chunk first)
  return { pub: setup.pub, open: (i) => wsClient(`ws://127.0.0.1:${setup.port}${setup.path}`, { localAddress: local(i) }) };
}

async function openMany(sub, from, count) {
  const clients = [];
  for (let i = from; i < from + count; i += CONCURRENCY) {
    clients.push(...(await Promise.all(Array.from({ length: Math.min(CONCURRENCY, from + count - i) }, (_, j) => sub.open(i + j)))));
  }
  return clients;
}

/**
 * Waits (at most 120 s) until the server uses < 5 % of a core over 0.5 s: what the subscribers set
 * off (spectra's logon re-broadcasts, compressed per socket) is done, so the probe sees idle state.
 * Returns the ms waited.
 */
async function quiet(server) {
  const t0 = performance.now();
  while (performance.now() - t0 < 120_000) {
    const a = cpuMs(server.pid);
    await sleep(500);
    const b = cpuMs(server.pid);
    if (b.user + b.sys - a.user - a.sys < 25) break;
  }
  return Math.round(performance.now() - t0);
}

/** Asks the server's heap probe for a measurement (full GC, heap statistics, RSS; with `snapshot`, a heap snapshot). */
async function probe(server, dir, n, snapshot) {
  writeFileSync(join(dir, 'next'), snapshot ? 'snapshot' : 'stats');
  const line = waitForLine(server.child, (v) => v.heapProbe === n, 120_000, `heap probe ${n}`);
  server.child.kill('SIGUSR2');
  return line;
}

async function measureTarget(target, { conns, opts, log, probeTargetPort }) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-idle-heap-'));
  const env = { BENCH_HEAP_SNAPSHOT_DIR: dir };
  let server;
  let sub;
  const clients = [];
  try {
    server = target === 'ws' ? await startBareWs(env) : await startAllDialects(probeTargetPort, env);
    sub = await subscriberOf(target, server, opts);
    const t0 = performance.now();
    clients.push(...(await openMany(sub, 0, WARM)));
    await sleep(SETTLE_MS);
    // 1 and 2 without snapshots (RSS); 3 the snapshot with the subscribers; 4 the one after they closed
    const before = await probe(server, dir, 1, false);
    const opened = await openMany(sub, WARM, conns);
    const openMs = performance.now() - t0;
    await sleep(SETTLE_MS);
    const quietMs = await quiet(server);
    const after = await probe(server, dir, 2, false);
    // the server may have dropped some meanwhile (spectra: slow overlays during a logon storm)
    const openAtProbe = opened.filter((c) => c.isOpen()).length;
    if (!after.gcExposed) throw new Error('the server ran without --expose-gc');
    const withThem = await probe(server, dir, 3, true);
    for (const c of opened) c.close();
    await sleep(SETTLE_MS);
    const closed = await probe(server, dir, 4, true);
    const classes = classesPerConnection(snapshotClasses(closed.snapshot), snapshotClasses(withThem.snapshot), conns);
    const r = {
      target,
      conns,
      heapPerConnection: (after.usedHeap - before.usedHeap) / conns,
      snapshotPerConnection: classes.total,
      rssPerConnection: (after.rss - before.rss) / conns,
      externalPerConnection: (after.external - before.external) / conns,
      // what the closed subscribers left behind (code compiled meanwhile, or a leak)
      retainedPerConnection: (closed.usedHeap - before.usedHeap) / conns,
      top: classes.rows.slice(0, TOP).map((c) => ({ name: c.name, bytes: Math.round(c.bytes), count: Number(c.count.toFixed(2)) })),
      openMs: Math.round(openMs),
      quietMs,
      openAtProbe,
      loadAvg: loadAverage(),
    };
    log(
      `  ${target}: heap ${Math.round(r.heapPerConnection)} B/conn (snapshot ${Math.round(r.snapshotPerConnection)}, left after close ${Math.round(r.retainedPerConnection)}), RSS ${(r.rssPerConnection / 1024).toFixed(1)} KiB/conn, ` +
        `${conns} opened in ${(openMs / 1000).toFixed(1)} s (${openAtProbe} still open at the probe), server quiet after ${(quietMs / 1000).toFixed(1)} s more; top: ${r.top.slice(0, 5).map((c) => `${c.name} ${c.bytes}`).join(', ')}`,
    );
    return r;
  } catch (err) {
    log(`  ${target}: idle-heap measurement failed: ${err.message.split('\n')[0]}`);
    return { target, conns, error: err.message.split('\n')[0] };
  } finally {
    for (const c of clients) c.close();
    await sub?.pub?.close();
    await server?.stop();
    // BENCH_KEEP_SNAPSHOTS=1 keeps the two snapshots (open them in DevTools, Memory tab) and says where
    if (process.env.BENCH_KEEP_SNAPSHOTS) log(`  ${target}: snapshots kept in ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

/** Every target of `--idle-targets` in one run, bare `ws` first (the ratios' denominator). */
export async function measureIdleHeap({ opts, log }) {
  const probeTarget = await startProbeTarget();
  try {
    const rows = [];
    for (const target of opts.idleTargets) rows.push(await measureTarget(target, { conns: opts.idleConnections, opts, log, probeTargetPort: probeTarget.port }));
    return { conns: opts.idleConnections, rows };
  } finally {
    await probeTarget.close();
  }
}

const KIB = 6.5 * 1024;
const b = (n) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '—');
const kib = (n) => (Number.isFinite(n) ? (n / 1024).toFixed(1) : '—');
const ratio = (n, d) => (Number.isFinite(n) && d > 0 ? `${(n / d).toFixed(2)}×` : '—');

/** The scenario's section of the markdown report. */
export function renderIdleHeap(result, command) {
  const ws = result.rows.find((r) => r.target === 'ws' && !r.error);
  const rows = result.rows.map((r) =>
    r.error
      ? `| ${r.target} | failed: ${r.error} | | | | | | |`
      : `| ${r.target} | ${b(r.openAtProbe ?? r.conns)} | ${b(r.heapPerConnection)} | ${ratio(r.heapPerConnection, ws?.heapPerConnection)} | ${b(r.snapshotPerConnection)} | ${kib(r.rssPerConnection)} | ${ratio(r.rssPerConnection, ws?.rssPerConnection)} | ${r.heapPerConnection <= KIB ? 'heap ≤ 6.5 KiB' : 'heap > 6.5 KiB'} |`,
  );
  const classes = result.rows
    .filter((r) => !r.error)
    .map((r) => `- **${r.target}**: ${r.top.map((c) => `${c.name} ${c.bytes} B (${c.count})`).join(', ')}`);
  return [
    `## Idle memory per connection, every dialect (issue 19): ${result.conns.toLocaleString('en-US')} idle subscribers each`,
    '',
    `\`${command}\`. Each target in a fresh process with \`--expose-gc\`; "heap" is V8's used heap after a full GC, `,
    'after − before the subscribers, ÷ subscribers (repeatable within a few % under load); "snapshot" the same from the self sizes of two',
    'heap snapshots; RSS the resident set after − before ÷ subscribers (noisy: V8 page growth and malloc, KiBs between runs).',
    '',
    '| target | open at the probe | heap B/conn | × ws | snapshot B/conn | RSS KiB/conn | × ws | ≤ 6.5 KiB |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
    ...rows,
    '',
    'Largest classes per connection (snapshot self sizes, B; objects per connection in brackets):',
    '',
    ...classes,
    '',
  ].join('\n');
}
