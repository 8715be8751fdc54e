/**
 * The C load generator against a scripted WebSocket server: frame boundaries (7-, 16- and 64-bit
 * lengths, several frames per read), the marker, per-connection gaps and duplicates, the
 * reset/report protocol, ping → pong, the Socket.IO handshake, and the scenario options (S2 templated
 * paths, S4 --range/--until-each, S5 --sio-emit, --send-on-open and the marker inside a streamhub
 * protocol `pub`, issue 18). Run: `npm --prefix bench test`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocketServer } from 'ws';
import { LOADGEN_BIN, startLoadgen } from '../src/loadgen.mjs';
import { BENCH_DIR } from '../src/servers.mjs';

const mark = (seq, pad = 0) => `{"type":"event.commentary","t":1,"text":"#t${process.hrtime.bigint() / 1000n}#s${seq}#${'x'.repeat(pad)}"}`;

let server;
let wss;
let port;
const sockets = [];
let onConnection = () => {};

before(async () => {
  if (!existsSync(LOADGEN_BIN)) execFileSync('bash', ['setup.sh'], { cwd: BENCH_DIR, stdio: 'inherit' });
  server = createServer();
  wss = new WebSocketServer({ server, perMessageDeflate: false });
  wss.on('connection', (ws, req) => {
    ws.path = req.url;
    sockets.push(ws);
    onConnection(ws);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = server.address().port;
});

after(async () => {
  for (const ws of wss.clients) ws.terminate();
  await new Promise((resolve) => server.close(resolve));
});

async function until(predicate, what, ms = 5_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await predicate();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('counts marked messages, gaps, duplicates and stale ones across frame sizes', async () => {
  sockets.length = 0;
  onConnection = () => {};
  const lg = await startLoadgen({ port, path: '/', conns: 4, mode: 'ws', srcAddrs: 2, coalesceUs: 0 });
  try {
    assert.equal(lg.ready.open, 4);
    await until(() => sockets.length === 4, '4 server sockets');
    await lg.reset(1, 11);
    const pads = [0, 1500, 70_000]; // 7-bit, 16-bit and 64-bit payload lengths
    for (const [i, ws] of sockets.entries()) {
      for (let seq = 1; seq <= 10; seq++) {
        if (i === 1 && seq === 5) continue; // one gap on connection 1
        ws.send(mark(seq, pads[seq % 3]));
        if (i === 2 && seq === 7) ws.send(mark(7)); // one duplicate on connection 2
      }
      ws.send(mark(11)); // outside [1, 11): stale
      ws.send('{"type":"hello"}'); // no marker: ignored
    }
    const report = await until(async () => {
      const r = await lg.report();
      return r.received + r.stale >= 4 * 10 + 1 ? r : null;
    }, 'all messages');
    assert.equal(report.received, 4 * 10 - 1 + 1); // 40 − the gap + the duplicate
    assert.equal(report.stale, 4);
    assert.equal(report.gaps, 1);
    assert.equal(report.dups, 1);
    assert.equal(report.per_conn_min, 9);
    assert.equal(report.per_conn_max, 11);
    assert.ok(report.p99_us < 1_000_000, `p99 ${report.p99_us} µs`);
    assert.ok(report.cpu_user_us + report.cpu_sys_us >= 0);
  } finally {
    await lg.stop();
  }
});

test('answers a ping with a pong carrying the same payload [RFC 6455 §5.5.2]', async () => {
  sockets.length = 0;
  const lg = await startLoadgen({ port, path: '/', conns: 1, mode: 'ws', srcAddrs: 1, coalesceUs: 0 });
  try {
    await until(() => sockets.length === 1, 'server socket');
    const pong = new Promise((resolve) => sockets[0].once('pong', (data) => resolve(String(data))));
    sockets[0].ping('abc');
    assert.equal(await pong, 'abc');
  } finally {
    await lg.stop();
  }
});

test('socket.io mode: open packet → 40, ready on the 40 reply, 2 → 3', async () => {
  sockets.length = 0;
  const seen = [];
  onConnection = (ws) => {
    ws.on('message', (data) => {
      seen.push(String(data));
      if (String(data) === '40') ws.send('40{"sid":"s1"}');
    });
    ws.send('0{"sid":"e1","pingInterval":25000,"pingTimeout":20000}');
  };
  const lg = await startLoadgen({ port, path: '/socket.io/?EIO=4&transport=websocket', conns: 2, mode: 'sio', srcAddrs: 1, coalesceUs: 0 });
  try {
    assert.equal(lg.ready.open, 2);
    await lg.reset(1, 2);
    sockets[0].send('2');
    for (const ws of sockets) ws.send(`42["m",${mark(1)}]`);
    await until(() => seen.includes('3'), 'pong 3');
    const report = await until(async () => {
      const r = await lg.report();
      return r.received === 2 ? r : null;
    }, 'two socket.io events');
    assert.equal(report.gaps, 0);
  } finally {
    onConnection = () => {};
    await lg.stop();
  }
});

test('S2: a %d path with --group K gives connection i the channel i / K', async () => {
  sockets.length = 0;
  const lg = await startLoadgen({ port, path: '/sub/ch-%d', conns: 6, group: 2, mode: 'ws', srcAddrs: 1, coalesceUs: 0 });
  try {
    assert.equal(lg.ready.open, 6);
    await until(() => sockets.length === 6, '6 server sockets');
    const urls = sockets.map((ws) => ws.path).sort();
    assert.deepEqual(urls, ['/sub/ch-0', '/sub/ch-0', '/sub/ch-1', '/sub/ch-1', '/sub/ch-2', '/sub/ch-2']);
  } finally {
    await lg.stop();
  }
});

test('S4: --range counts from the start and until_each fires once every connection has K', async () => {
  sockets.length = 0;
  // the "replay": every connection gets messages 1..5 as soon as it opens
  onConnection = (ws) => {
    for (let seq = 1; seq <= 5; seq++) ws.send(mark(seq));
  };
  let fired = null;
  const lg = await startLoadgen({
    port,
    path: '/',
    conns: 3,
    mode: 'ws',
    srcAddrs: 1,
    coalesceUs: 0,
    extra: ['--max-pending', '3', '--range', '2', '6', '--until-each', '4'],
    onEvent: (v) => v.event === 'until_each' && (fired = v),
  });
  try {
    const event = await until(() => fired, 'until_each');
    assert.equal(event.open, 3);
    assert.ok(event.ms > 0 && event.ms < 5_000, `${event.ms} ms`);
    const report = await lg.report();
    assert.equal(report.received, 3 * 4); // seq 1 is outside [2, 6)
    assert.equal(report.stale, 3);
  } finally {
    onConnection = () => {};
    await lg.stop();
  }
});

test('S5: --sio-emit is sent once the Socket.IO namespace is joined', async () => {
  sockets.length = 0;
  const seen = [];
  onConnection = (ws) => {
    ws.on('message', (data) => {
      seen.push(String(data));
      if (String(data) === '40') ws.send('40{"sid":"s1"}');
    });
    ws.send('0{"sid":"e1","pingInterval":25000,"pingTimeout":20000}');
  };
  const logon = '42["logon","{\\"groupCode\\":\\"AB\\"}"]';
  const lg = await startLoadgen({ port, path: '/socket.io/?EIO=4&transport=websocket', conns: 1, mode: 'sio', srcAddrs: 1, coalesceUs: 0, extra: ['--sio-emit', logon] });
  try {
    await until(() => seen.includes(logon), 'the logon event');
    assert.deepEqual(seen.slice(0, 2), ['40', logon]);
  } finally {
    onConnection = () => {};
    await lg.stop();
  }
});

test('--emit in ws mode: one text frame right after the upgrade (elstat subscribe, idle memory)', async () => {
  sockets.length = 0;
  const seen = [];
  onConnection = (ws) => ws.on('message', (data) => seen.push(String(data)));
  const op = '{"op":0,"channels":["status:bench"]}';
  const lg = await startLoadgen({ port, path: '/', conns: 2, mode: 'ws', srcAddrs: 1, coalesceUs: 0, extra: ['--emit', op] });
  try {
    await until(() => seen.length >= 2, 'both subscribe frames');
    assert.deepEqual(seen, [op, op]);
  } finally {
    onConnection = () => {};
    await lg.stop();
  }
});

test('--send-on-open: frames in order after the upgrade, 16-bit lengths, %d as in --path (streamhub connect)', async () => {
  sockets.length = 0;
  const seen = new Map(); // path → frames received on that connection
  onConnection = (ws) => {
    seen.set(ws, []);
    ws.on('message', (data, isBinary) => seen.get(ws).push(isBinary ? '(binary)' : String(data)));
  };
  // a connect frame longer than 125 bytes (a 16-bit payload length, RFC 6455 §5.2) with a templated channel
  const connect = `{"type":"connect","id":1,"name":"${'n'.repeat(100)}","subscribe":[{"channel":"match:ch-%d"}]}`;
  const lg = await startLoadgen({
    port,
    path: '/v1/ws',
    conns: 4,
    group: 2,
    mode: 'ws',
    srcAddrs: 1,
    coalesceUs: 0,
    extra: ['--send-on-open', connect, '--send-on-open', '{"type":"ping","id":2}'],
  });
  try {
    assert.equal(lg.ready.open, 4);
    await until(() => [...seen.values()].every((f) => f.length >= 2) && seen.size === 4, 'two frames on each connection');
    const channels = [];
    for (const frames of seen.values()) {
      assert.equal(frames.length, 2);
      const first = JSON.parse(frames[0]);
      assert.equal(first.type, 'connect');
      assert.equal(first.name.length, 100);
      channels.push(first.subscribe[0].channel);
      assert.equal(frames[1], '{"type":"ping","id":2}');
    }
    assert.deepEqual(channels.sort(), ['match:ch-0', 'match:ch-0', 'match:ch-1', 'match:ch-1']);
  } finally {
    onConnection = () => {};
    await lg.stop();
  }
});

test('the marker inside a streamhub protocol pub frame (the payload embedded as JSON, issue 18)', async () => {
  sockets.length = 0;
  onConnection = () => {};
  const lg = await startLoadgen({ port, path: '/v1/ws', conns: 2, mode: 'ws', srcAddrs: 1, coalesceUs: 0 });
  try {
    await until(() => sockets.length === 2, '2 server sockets');
    await lg.reset(1, 4);
    const pub = (seq) => `{"type":"pub","channel":"match:b-1","offset":${seq + 1},"epoch":"8c1f0e2a","data":${mark(seq)}}`;
    for (const ws of sockets) {
      ws.send('{"type":"connected","id":1,"client":"c-1","user":"","expiresAt":null,"pingIntervalMs":25000,"version":1}');
      ws.send('{"type":"subscribed","id":1,"channel":"match:b-1","recovered":false,"position":{"offset":1,"epoch":"8c1f0e2a"},"publications":[{"type":"pub","channel":"match:b-1","offset":1,"epoch":"8c1f0e2a","kind":"snapshot","data":{"type":"match.init"}}]}');
      for (const seq of [1, 2, 3]) ws.send(pub(seq));
      ws.send('{"type":"ping"}');
    }
    const report = await until(async () => {
      const r = await lg.report();
      return r.received >= 6 ? r : null;
    }, 'six publications');
    assert.equal(report.received, 6);
    assert.equal(report.gaps, 0);
    assert.equal(report.dups, 0);
    assert.equal(report.stale, 0);
  } finally {
    await lg.stop();
  }
});
