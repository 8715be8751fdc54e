/**
 * Per-IP caps trust X-Forwarded-For only from configured proxies (issue #10). The match dialect's
 * own test covers match (test/match/caps.test.ts); this covers relay (429) and elstat (429).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createElstatDialect } from '../../src/dialects/elstat/index.js';
import { createRelayDialect } from '../../src/dialects/relay/index.js';
import type { Dialect, DialectContext } from '../../src/dialects/types.js';
import { startDialect, testConfig } from '../helpers/harness.js';
import { connect, refusal, type RecordingClient } from '../helpers/ws-client.js';

const cases: { name: string; make: (ctx: DialectContext) => Dialect; path: string; status: number }[] = [
  { name: 'relay', make: (ctx) => createRelayDialect(ctx, testConfig({ relay: { port: 0, perIpMax: 1 } }).relay), path: '/xff/k/receive', status: 429 },
  { name: 'elstat', make: (ctx) => createElstatDialect(ctx, testConfig({ elstat: { port: 0, perIpMax: 1 } }).elstat), path: '/api/streaming', status: 429 },
];

for (const c of cases) {
  describe(`${c.name}: X-Forwarded-For and the per-IP cap`, () => {
    it('an untrusted peer cannot dodge the cap with X-Forwarded-For', async (t) => {
      const h = await startDialect(c.make, { listener: { trustedProxies: [] } });
      const opened: RecordingClient[] = [];
      t.after(async () => {
        for (const o of opened) o.close();
        await h.close();
      });
      const url = `ws://127.0.0.1:${h.port()}${c.path}`;
      opened.push(await connect(url, { headers: { 'x-forwarded-for': '198.51.100.1' } }));
      const refused = await refusal(url, { headers: { 'x-forwarded-for': '198.51.100.2' } });
      assert.equal(refused.status, c.status);
    });

    it('behind a trusted proxy each forwarded client has its own count; a spoofed left hop is ignored', async (t) => {
      const h = await startDialect(c.make, { listener: { trustedProxies: ['127.0.0.1'] } });
      const opened: RecordingClient[] = [];
      t.after(async () => {
        for (const o of opened) o.close();
        await h.close();
      });
      const url = `ws://127.0.0.1:${h.port()}${c.path}`;
      opened.push(await connect(url, { headers: { 'x-forwarded-for': '198.51.100.1' } }));
      opened.push(await connect(url, { headers: { 'x-forwarded-for': '198.51.100.2' } }));
      // The proxy appends the real client on the right; a client-supplied hop on the left changes nothing.
      const refused = await refusal(url, { headers: { 'x-forwarded-for': '203.0.113.50, 198.51.100.1' } });
      assert.equal(refused.status, c.status);
    });
  });
}
