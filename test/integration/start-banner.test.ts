/**
 * Issue 14: `npm start` at a terminal greets a person with a banner of what to open and readable
 * log lines; piped or when asked (STREAMHUB_LOG_FORMAT=json) it writes JSON lines only. The
 * terminal is a real pseudo-terminal (util-linux `script`), and every address the banner names is
 * opened, so its ports are the ones the listeners bound (all configured as 0 here).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEMO_NOVA_STREAM } from '../../src/dialects/nova/module.js';
import { FREE_PORTS_ENV, startMain, type MainProcess } from './main-process.js';

const BANNER_END = 'Logs follow.';

/** The banner row labelled `label`: `  Dashboard        http://127.0.0.1:41159/`. */
function row(output: string, label: string): string {
  const m = new RegExp(`^  ${label} +(\\S.*)$`, 'm').exec(output);
  assert.ok(m, `no "${label}" row in:\n${output}`);
  return m[1]!.trim();
}

async function withMain(env: Record<string, string>, tty: boolean, body: (main: MainProcess) => Promise<void>): Promise<void> {
  const main = startMain({ ...FREE_PORTS_ENV, ...env }, { tty });
  try {
    await body(main);
  } finally {
    await main.stop();
  }
}

describe('npm start at a terminal', () => {
  it('prints a banner whose dashboard, match viewer, status page and nova token command answer, then readable logs', { timeout: 120_000 }, async () => {
    await withMain({ STREAMHUB_DEMO: 'true' }, true, async (main) => {
      await main.waitFor((o) => o.includes(BANNER_END) && o.includes('StreamHub listening'), 'banner');
      const out = main.output();

      const dashboard = await fetch(row(out, 'Dashboard'));
      assert.equal(dashboard.status, 200);
      assert.match(dashboard.headers.get('content-type') ?? '', /text\/html/);

      const viewerUrl = row(out, 'Match viewer');
      assert.match(viewerUrl, /\?match=fifa-wc-2022-final-arg-fra$/);
      const viewer = await fetch(viewerUrl, { headers: { accept: 'text/html' } });
      assert.equal(viewer.status, 200);
      assert.match(await viewer.text(), /<html/i);

      const status = await fetch(row(out, 'Status page'));
      assert.equal(status.status, 200);
      assert.match(status.headers.get('content-type') ?? '', /text\/html/);

      const tokenCommand = row(out, 'Nova demo token');
      assert.match(tokenCommand, /^curl http:\/\/\S+\/api\/v1\/demo\/token$/);
      const token = (await (await fetch(tokenCommand.slice('curl '.length))).json()) as { token?: string; stream_id?: string };
      assert.equal(token.stream_id, DEMO_NOVA_STREAM);
      assert.ok(token.token && token.token.split('.').length === 3, 'a JWT');

      assert.match(out, /Demo ids: match demo and fifa-wc-2022-final-arg-fra; nova stream 550e8400-e29b-41d4-a716-446655440000;/);
      // Readable log lines: `[hh:mm:ss.mmm] INFO: StreamHub listening …`, not JSON objects.
      assert.match(out, /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: StreamHub listening/m);
      assert.doesNotMatch(out, /^\{"level"/m);
    });
  });

  it('writes JSON lines and no banner when asked (STREAMHUB_LOG_FORMAT=json), and the banner otherwise', { timeout: 150_000 }, async () => {
    await withMain({ STREAMHUB_DEMO: 'false', STREAMHUB_LOG_FORMAT: 'json' }, true, async (main) => {
      await main.waitFor((o) => o.includes('StreamHub listening'), 'the listening line');
      const lines = main.output().split('\n').filter((l) => l.trim() !== '');
      for (const line of lines) assert.doesNotThrow(() => JSON.parse(line), line);
      assert.doesNotMatch(main.output(), new RegExp(BANNER_END));
    });
    // The same start without the setting, demos off: the banner, without demo ids or demo-only rows.
    await withMain({ STREAMHUB_DEMO: 'false' }, true, async (main) => {
      await main.waitFor((o) => o.includes(BANNER_END), 'banner');
      assert.equal((await fetch(row(main.output(), 'Dashboard'))).status, 200);
      assert.doesNotMatch(main.output(), /Demo ids:|Nova demo token/);
    });
  });
});
