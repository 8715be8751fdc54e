/**
 * Diagnostic (issue 19): why spectra overlays log on slowly. Starts the bench's StreamHub with every
 * dialect on, logs an observer on to a group, then logs overlays on in batches of 100 (socket.io-client,
 * WebSocket transport, 50 at a time) and prints, per batch: wall time, the server's CPU from /proc
 * (all its threads, so zlib work on libuv's pool counts) and how many `match_data` frames the
 * overlays received. Each logon re-broadcasts `match_data` to the whole room (protocol-notes.md
 * §4.4), so the frames per batch grow with the room.
 * Usage (from bench/): node src/spectra-logons.mjs [batches=10]
 */
import { io } from 'socket.io-client';
import { allDialectsConfig, ALL_DIALECTS_ENV, DIALECTS, startProbeTarget } from './dialects.mjs';
import { cpuMs } from './proc.mjs';
import { startStreamHub } from './servers.mjs';

const batches = Number(process.argv[2] ?? 10);
const target = await startProbeTarget();
const server = await startStreamHub({ size: 200, config: allDialectsConfig(target.port, 1_000), env: ALL_DIALECTS_ENV });
const setup = await DIALECTS.spectra(server);
// DIALECTS.spectra hands loadgen the overlay's logon packet: 42["logon","{\"groupCode\":\"…\"}"]
const { groupCode } = JSON.parse(JSON.parse(setup.extra[1].slice(2))[1]);
let frames = 0;
let dropped = 0;
const overlays = [];
const logon = () =>
  new Promise((resolve, reject) => {
    const socket = io(`http://127.0.0.1:${setup.port}`, { transports: ['websocket'], reconnection: false, forceNew: true });
    socket.on('match_data', () => frames++);
    socket.on('disconnect', () => dropped++);
    socket.once('connect', () => socket.emit('logon', JSON.stringify({ groupCode })));
    socket.once('logon_success', () => resolve(socket));
    socket.once('connect_error', reject);
  });
try {
  for (let b = 0; b < batches; b++) {
    const t0 = performance.now();
    const cpu0 = cpuMs(server.pid);
    const frames0 = frames;
    for (let i = 0; i < 100; i += 50) overlays.push(...(await Promise.all(Array.from({ length: 50 }, logon))));
    const cpu1 = cpuMs(server.pid);
    const ms = performance.now() - t0;
    process.stdout.write(`overlays ${overlays.length - 100}→${overlays.length}: ${ms.toFixed(0)} ms, server CPU ${(cpu1.user + cpu1.sys - cpu0.user - cpu0.sys).toFixed(0)} ms, match_data received ${frames - frames0}, overlays disconnected so far ${dropped}\n`);
  }
} finally {
  for (const socket of overlays) socket.close();
  await setup.pub.close();
  await server.stop();
  await target.close();
}
