/**
 * The status page at `/` in headless Chromium: it learns the services over REST, subscribes over
 * /api/streaming and shows each service green or red with its latency. A real TCP target goes
 * down (red) and comes back (green); an incident opened over the API appears live.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { chromium } from 'playwright-core';
import { startElstat, startHttpTarget, startTcpTarget } from './fixtures.js';

/** Runs in the page: the element's computed background colour (the DOM types are not in this project's lib). */
const backgroundOf = (el: unknown) =>
  (globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } }).getComputedStyle(el).backgroundColor;

it('a service turns red, then green again, and incidents appear live', async (t) => {
  const tcp = await startTcpTarget();
  const web = await startHttpTarget();
  t.after(() => Promise.all([tcp.stop(), web.stop()]));
  const h = await startElstat({
    incidents: { token: 'page-token' },
    services: [
      { name: 'db', description: 'Database', adapter: 'tcp', target: tcp.target, intervalMs: 1000 },
      { name: 'web', description: 'Website', adapter: 'http', target: web.url, intervalMs: 1000 },
    ],
  });
  t.after(() => h.close());
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  t.after(() => browser.close());
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  await page.goto(`${h.base}/`);

  const row = (name: string) => page.locator(`li.service[data-service="${name}"]`);
  await page.waitForSelector('li.service[data-service="db"][data-status="up"]');
  await page.waitForSelector('li.service[data-service="web"][data-status="up"]');
  await page.waitForSelector('#conn:has-text("live")');
  assert.match((await row('db').locator('.latency').textContent()) ?? '', /^\d+ ms$/);
  assert.equal(await row('db').locator('.description').textContent(), 'Database');
  const green = await row('db').locator('.dot').evaluate(backgroundOf);
  assert.equal(green, 'rgb(31, 157, 85)');

  await tcp.stop();
  web.status = 500;
  h.clock.advance(1000);
  await page.waitForSelector('li.service[data-service="db"][data-status="down"]');
  await page.waitForSelector('li.service[data-service="web"][data-status="down"]');
  assert.equal(await row('db').locator('.latency').textContent(), 'down');
  const red = await row('db').locator('.dot').evaluate(backgroundOf);
  assert.equal(red, 'rgb(214, 49, 59)');

  await tcp.start();
  web.status = 200;
  h.clock.advance(1000);
  await page.waitForSelector('li.service[data-service="db"][data-status="up"]');
  await page.waitForSelector('li.service[data-service="web"][data-status="up"]');
  assert.match((await row('web').locator('.latency').textContent()) ?? '', /^\d+ ms$/);

  const opened = await fetch(`${h.base}/api/incidents`, {
    method: 'PUT',
    headers: { authorization: 'Bearer page-token', 'content-type': 'application/json' },
    body: JSON.stringify({ title: 'Database maintenance' }),
  });
  assert.equal(opened.status, 201);
  await page.waitForSelector('li.incident[data-ongoing="true"]:has-text("Database maintenance")');
  assert.deepEqual(errors, []);
});
