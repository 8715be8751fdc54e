/// <reference lib="dom" />
/**
 * Issue 20 item 4: the public dashboard (`operator.publicDashboard`, on by default) shows counts,
 * not channel names, without the admin token: a nova stream id is what nova refuses to reveal
 * without a JWT, and a relay channel name is half of what a receiver needs. Both the JSON and the
 * page in headless Chromium, on a whole StreamHub with real nova and relay clients.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { StreamHub } from '../../src/server.js';
import { eventually } from '../helpers/eventually.js';
import { portOf, startTestHub } from '../helpers/streamhub.js';
import { connect, type RecordingClient } from '../helpers/ws-client.js';
import { CONTROL_TOKEN, OTHER_STREAM, SECRET, START, hsToken } from '../nova/fixtures.js';
import { launchChromium } from '../web/browser.js';

const ADMIN = 'public-dashboard-admin-token';
const RELAY_CHANNEL = 'hidden-cam';

describe('public dashboard: counts without the admin token, names with it', () => {
  let hub: StreamHub;
  const clients: RecordingClient[] = [];
  let base: string;
  /** The channel count the admin token sees. */
  let total = 0;
  before(async () => {
    hub = await startTestHub({ operator: { port: 0, adminToken: ADMIN }, nova: { port: 0, jwt: { secret: SECRET }, controlToken: CONTROL_TOKEN } });
    base = `http://127.0.0.1:${portOf(hub, 'operator')}`;
    const started = await fetch(`http://127.0.0.1:${portOf(hub, 'nova')}/api/v1/streams/${OTHER_STREAM}/start`, {
      method: 'POST',
      headers: { authorization: `Bearer ${CONTROL_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(START),
    });
    assert.equal(started.status, 200);
    // A nova viewer (with its JWT) and a relay publisher and receiver: two live channels.
    const viewer = await connect(`ws://127.0.0.1:${portOf(hub, 'nova')}/api/v1/streams/${OTHER_STREAM}/ws?token=${await hsToken()}`);
    clients.push(viewer);
    await viewer.until((m) => (m as { event: string }[]).some((e) => e.event === 'connection_established'));
    const relay = `ws://127.0.0.1:${portOf(hub, 'relay')}/${RELAY_CHANNEL}/k3y`;
    clients.push(await connect(`${relay}/publish`), await connect(`${relay}/receive`));
    // With the token both are listed by name: the names exist to be hidden.
    await eventually(async () => {
      const res = await fetch(`${base}/api/dashboard`, { headers: { authorization: `Bearer ${ADMIN}` } });
      const body = (await res.json()) as { channels: { name: string }[]; hub: { channels_total: number } };
      const names = body.channels.map((c) => c.name);
      total = body.hub.channels_total;
      return names.includes(`nova:${OTHER_STREAM}`) && names.includes(`relay:${RELAY_CHANNEL}`);
    }, 'both channels listed for the admin token');
  });
  after(async () => {
    for (const c of clients) c.close();
    await hub.close();
  });

  it('GET /api/dashboard without a token counts the channels and names none', async () => {
    const res = await fetch(`${base}/api/dashboard`);
    assert.equal(res.status, 200);
    const text = await res.text();
    assert.ok(!text.includes(OTHER_STREAM), 'no nova stream id');
    assert.ok(!text.includes(RELAY_CHANNEL), 'no relay channel name');
    const body = JSON.parse(text) as { channels: unknown[]; channels_hidden: boolean; hub: { channels_total: number }; dialects: { name: string; channels: number }[] };
    assert.deepEqual(body.channels, []);
    assert.equal(body.channels_hidden, true);
    assert.ok(total >= 2);
    assert.equal(body.hub.channels_total, total);
    assert.ok(body.dialects.find((d) => d.name === 'nova')!.channels >= 1);
    assert.equal(body.dialects.find((d) => d.name === 'relay')!.channels, 1);
    // A wrong token is refused rather than treated as none.
    assert.equal((await fetch(`${base}/api/dashboard`, { headers: { authorization: 'Bearer nope' } })).status, 401);
  });

  it('GET /metrics (public) names no channel either', async () => {
    const text = await (await fetch(`${base}/metrics`)).text();
    assert.match(text, /streamhub_/);
    assert.ok(!text.includes(OTHER_STREAM) && !text.includes(RELAY_CHANNEL));
  });

  it('the page shows the count and no name until the operator gives the token', async (t) => {
    const browser = await launchChromium();
    t.after(() => browser.close());
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    await page.goto(`${base}/?interval=200`);
    await page.waitForFunction(() => Number(document.body.dataset.polls) >= 2);
    assert.equal(await page.locator('[data-field="channels"]').first().textContent(), String(total));
    assert.equal(await page.locator('#channels tbody tr').count(), 0);
    assert.equal(await page.locator('#channels-hidden').isVisible(), true);
    assert.equal(await page.locator('#no-channels').isVisible(), false);
    const text = await page.evaluate(() => document.documentElement.outerHTML);
    assert.ok(!text.includes(OTHER_STREAM) && !text.includes(RELAY_CHANNEL), 'no channel name anywhere in the page');
    // The token form is offered, without an error; with the token the names appear.
    await page.locator('#token-form').waitFor({ state: 'visible' });
    assert.equal(await page.locator('#token-error').textContent(), '');
    await page.fill('#token', ADMIN);
    await page.click('#token-form button');
    await page.locator(`tr[data-channel="nova:${OTHER_STREAM}"]`).waitFor();
    await page.locator(`tr[data-channel="relay:${RELAY_CHANNEL}"]`).waitFor();
    await page.locator('#token-form').waitFor({ state: 'hidden' });
    assert.equal(await page.locator('#channels-hidden').isVisible(), false);
    assert.deepEqual(errors, []);
  });
});
