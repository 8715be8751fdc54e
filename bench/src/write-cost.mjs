/**
 * What one `write()` costs a Node process in user space, by layer (issue 19, "the cost of a pass"):
 * `socket.write()` (the stream machinery: Writable, onwrite, a nextTick per write) against a write
 * straight on the libuv handle with Node's own `WriteWrap` (what `socket.write` does underneath,
 * reached through `--expose-internals`; a measurement only, never a way to write in StreamHub).
 * 1,000 loopback sockets, 204-byte writes (a 200 B match frame), rounds of one write per socket,
 * the reader in a child on core 1. CPU from `process.cpuUsage()` ÷ writes.
 *
 * Usage (from bench/): chrt -r 5 taskset -c 0 node --expose-internals src/write-cost.mjs [rounds=300]
 */
import net from 'node:net';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const SOCKETS = 1_000;
const FRAME_BYTES = 204;
const WARMUP_ROUNDS = 20;
const ROUND_GAP_MS = 2;

if (process.argv[2] === '--reader') {
  // the other end: connect and discard everything
  const [port, n] = process.argv.slice(3).map(Number);
  let open = 0;
  for (let i = 0; i < n; i++) {
    const s = net.connect(port, '127.0.0.1', () => {
      if (++open === n) process.stdout.write('ready\n');
    });
    s.on('data', () => {});
  }
} else {
  const rounds = Number(process.argv[2] ?? 300);
  const { internalBinding } = createRequire(import.meta.url)('internal/test/binding');
  const { WriteWrap } = internalBinding('stream_wrap');
  const sockets = [];
  const server = net.createServer((s) => {
    s.setNoDelay(true);
    sockets.push(s);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const reader = spawn('taskset', ['-c', '1', process.execPath, fileURLToPath(import.meta.url), '--reader', String(server.address().port), String(SOCKETS)], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolve) => reader.stdout.once('data', resolve));
  for (let waited = 0; sockets.length < SOCKETS && waited < 10_000; waited += 10) await new Promise((r) => setTimeout(r, 10));
  const frame = Buffer.alloc(FRAME_BYTES, 0x78);
  const viaStream = (s) => s.write(frame);
  const viaHandle = (s) => {
    const req = new WriteWrap();
    req.handle = s._handle;
    req.oncomplete = () => {};
    req.async = false;
    s._handle.writeBuffer(req, frame);
  };
  const pause = () => new Promise((r) => setTimeout(r, ROUND_GAP_MS));
  const measure = async (write) => {
    for (let r = 0; r < WARMUP_ROUNDS; r++) {
      for (const s of sockets) write(s);
      await pause();
    }
    const before = process.cpuUsage();
    for (let r = 0; r < rounds; r++) {
      for (const s of sockets) write(s);
      await pause();
    }
    const used = process.cpuUsage(before);
    const writes = rounds * sockets.length;
    return { userNs: (used.user * 1000) / writes, sysNs: (used.system * 1000) / writes };
  };
  for (let run = 1; run <= 3; run++) {
    for (const [name, write] of [['socket.write()', viaStream], ['handle.writeBuffer()', viaHandle]]) {
      const m = await measure(write);
      process.stdout.write(`run ${run} ${name.padEnd(22)} user ${m.userNs.toFixed(0)} ns, sys ${m.sysNs.toFixed(0)} ns per write\n`);
    }
  }
  reader.kill();
  for (const s of sockets) s.destroy();
  server.close();
}
