/**
 * Issue 15 item 7: a connection over the node's new-connection rate is refused the way each
 * dialect's clients retry (each PROTOCOL.md "refusals" table): 503 with `Retry-After` before the
 * upgrade, in the dialect's own body (match and elstat `{"error":"rate_limited"}`, nova
 * `{"error_code":"RATE_LIMITED",…}`, relay `Server busy.`), and for spectra an Engine.IO
 * handshake error that socket.io-client turns into `connect_error` and retries by itself. Each
 * dialect has a budget of one connection per second here (`server.connectionRate.byDialect`); the
 * clock is a ManualClock, so "a second later" is exact.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { io, type Socket } from 'socket.io-client';
import { parseConfig } from '../../src/config/index.js';
import { ManualClock } from '../../src/core/index.js';
import type { MatchDialect } from '../../src/dialects/match/index.js';
import { silentLogger } from '../../src/log.js';
import { startStreamHub, type StreamHub } from '../../src/server.js';
import { ALL_PORTS_FREE, portOf } from '../helpers/streamhub.js';
import { connect } from '../helpers/ws-client.js';
import { matchInit } from '../match/fixtures.js';

const ONE_PER_SECOND = { perSecond: 1, burst: 1 };
let hub: StreamHub;
const clock = new ManualClock(Date.now());

before(async () => {
  const config = parseConfig({
    base: {
      ...ALL_PORTS_FREE,
      server: {
        ...ALL_PORTS_FREE.server,
        // No node budget: each dialect is refused by its own, so the dialects do not share a token here.
        connectionRate: {
          perSecond: 0,
          byDialect: { match: ONE_PER_SECOND, nova: ONE_PER_SECOND, relay: ONE_PER_SECOND, spectra: ONE_PER_SECOND, elstat: ONE_PER_SECOND },
        },
      },
    },
  });
  hub = await startStreamHub(config, { log: silentLogger, clock });
});
after(() => hub.close());

interface Refused {
  readonly status: number;
  readonly body: string;
  readonly headers: Record<string, string | undefined>;
}

async function refusal(url: string): Promise<Refused> {
  try {
    const c = await connect(url);
    c.close();
  } catch (err) {
    if ((err as Partial<Refused>).status !== undefined) return err as Refused;
    throw err;
  }
  throw new Error(`${url} was admitted`);
}

describe('a connection over the rate gets its dialect\'s retry-later answer', () => {
  it('match: 503 {"error":"rate_limited"} with Retry-After; a second later the renderer is admitted', async () => {
    const match = hub.dialects.get('match') as MatchDialect;
    await match.publish('rate', matchInit('rate'));
    const url = `ws://127.0.0.1:${portOf(hub, 'match')}/v1/match/rate`;
    const first = await connect(url);
    await first.until((m) => m.length >= 2);
    const refused = await refusal(url);
    assert.equal(refused.status, 503);
    assert.deepEqual(JSON.parse(refused.body), { error: 'rate_limited' });
    assert.equal(refused.headers['retry-after'], '1');
    clock.advance(1_000);
    const again = await connect(url);
    await again.until((m) => (m[0] as { type?: string }).type === 'hello');
    first.close();
    again.close();
  });

  it('nova: 503 RATE_LIMITED with Retry-After, checked before the token', async () => {
    const url = `ws://127.0.0.1:${portOf(hub, 'nova')}/api/v1/streams/550e8400-e29b-41d4-a716-446655440000/ws`;
    // The first takes the token whatever its fate (here: no token, 401).
    assert.equal((await refusal(url)).status, 401);
    const refused = await refusal(url);
    assert.equal(refused.status, 503);
    assert.equal(refused.headers['retry-after'], '1');
    const body = JSON.parse(refused.body) as { error_code: string; error_message: string };
    assert.equal(body.error_code, 'RATE_LIMITED');
    assert.match(body.error_message, /retry later/);
    clock.advance(1_000);
    assert.equal((await refusal(url)).status, 401, 'a second later the dialect decides again');
  });

  it('relay: 503 "Server busy." (text/plain) with Retry-After', async () => {
    const url = `ws://127.0.0.1:${portOf(hub, 'relay')}/`;
    assert.equal((await refusal(url)).status, 404);
    const refused = await refusal(url);
    assert.equal(refused.status, 503);
    assert.equal(refused.body, 'Server busy.');
    assert.match(refused.headers['content-type'] ?? '', /^text\/plain/);
    assert.equal(refused.headers['retry-after'], '1');
    clock.advance(1_000);
    assert.equal((await refusal(url)).status, 404);
  });

  it('elstat: 503 {"error":"rate_limited"} with Retry-After; an admitted page is untouched', async () => {
    const url = `ws://127.0.0.1:${portOf(hub, 'elstat')}/api/streaming`;
    const page = await connect(url);
    const refused = await refusal(url);
    assert.equal(refused.status, 503);
    assert.deepEqual(JSON.parse(refused.body), { error: 'rate_limited' });
    assert.equal(refused.headers['retry-after'], '1');
    assert.equal(page.ws.readyState, page.ws.OPEN);
    clock.advance(1_000);
    (await connect(url)).close();
    page.close();
  });

  it('spectra: the Engine.IO handshake is refused, socket.io-client reports connect_error and gets in by its own reconnect once the rate allows', { timeout: 30_000 }, async (t) => {
    const sockets: Socket[] = [];
    t.after(() => sockets.forEach((s) => s.close()));
    // Spectra-Frontend's options (SocketService.ts): reconnection on, socket.io-client's default delays.
    const overlay = () => {
      const s = io(`http://127.0.0.1:${portOf(hub, 'spectra', 'output')}`, { forceNew: true, reconnection: true });
      sockets.push(s);
      return s;
    };
    const first = overlay();
    await new Promise<void>((resolve) => first.once('connect', () => resolve()));
    const second = overlay();
    const error = await new Promise<Error & { description?: unknown }>((resolve) => second.once('connect_error', resolve));
    assert.equal(error.message, 'xhr poll error');
    assert.equal(error.description, 403, 'polling handshake: Engine.IO FORBIDDEN');
    assert.equal(second.connected, false);
    // What the two handshakes are answered, byte for byte (PROTOCOL.md "Connection refusals").
    const base = `127.0.0.1:${portOf(hub, 'spectra', 'output')}/socket.io/?EIO=4`;
    const polling = await fetch(`http://${base}&transport=polling`);
    assert.equal(polling.status, 403);
    assert.match(await polling.text(), /^\{"code":4,"message":"rate_limited: retry in \d+ s"\}$/);
    const websocket = await refusal(`ws://${base}&transport=websocket`);
    assert.equal(websocket.status, 400);
    assert.match(websocket.body, /^rate_limited: retry in \d+ s$/);
    // The client's own backoff (about 1 s) brings it back; once a token is due it is admitted.
    clock.advance(1_000);
    await new Promise<void>((resolve) => second.once('connect', () => resolve()));
    assert.equal(first.connected, true);
  });

  it('every refusal above is counted per dialect, in metrics', async () => {
    const metrics = await (await fetch(`http://127.0.0.1:${portOf(hub, 'operator')}/metrics`)).text();
    const counted = (dialect: string) =>
      Number(new RegExp(`^streamhub_connections_rate_limited_total\\{dialect="${dialect}"\\} (\\d+)$`, 'm').exec(metrics)?.[1]);
    assert.deepEqual(
      ['match', 'nova', 'relay', 'elstat', 'spectra'].map(counted),
      ['match', 'nova', 'relay', 'elstat', 'spectra'].map((d) => hub.connectionRate.refusedByDialect()[d]),
    );
    for (const d of ['match', 'nova', 'relay', 'elstat']) assert.equal(counted(d), 1, d);
    assert.ok(counted('spectra') >= 1);
  });
});
