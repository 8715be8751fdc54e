/**
 * The soak run (issue #10): StreamHub as a child process with demos on, mixed load on every
 * finished dialect with clients joining and leaving, memory and event-loop lag sampled from
 * `/metrics`, and an account of every message. Used by `scripts/soak.ts` and `test/soak/soak.test.ts`.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { SOAK_TOKENS, startChild, type SoakMetrics } from './child.js';
import type { StreamAccount } from './ledger.js';
import { novaStream } from './nova-stream.js';
import { elstatStream, matchStream, relayStream, spectraStream, type SoakStream } from './streams.js';

export interface SoakOptions {
  readonly durationMs: number;
  /** Messages per second per dialect (elstat incidents at a tenth of it: each is an HTTP request). */
  readonly ratePerSecond?: number;
  readonly steadyClients?: number;
  readonly print?: (line: string) => void;
}

export interface SoakReport {
  readonly durationMs: number;
  readonly start: SoakMetrics;
  readonly end: SoakMetrics;
  readonly peakRssBytes: number;
  readonly peakLoopLagMs: number;
  readonly accounts: StreamAccount[];
  readonly childExit: number | null;
  /** Log lines that contain a configured token (must be none). */
  readonly leakedTokenLines: number;
}

const mib = (n: number) => `${(n / 1048576).toFixed(1)} MiB`;

/** nova joins the soak when its folder is finished (PROTOCOL.md present); SOAK_NOVA=0 leaves it out. */
function novaReady(): boolean {
  return existsSync(resolve(import.meta.dirname, '../../src/dialects/nova/PROTOCOL.md')) && process.env.SOAK_NOVA !== '0';
}

export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const print = options.print ?? (() => undefined);
  const rate = options.ratePerSecond ?? 50;
  const steadyCount = options.steadyClients ?? 3;
  const nova = novaReady();
  const child = await startChild({ demo: true, nova });
  try {
    const streams: SoakStream[] = [
      await matchStream(child, steadyCount),
      await relayStream(child, steadyCount),
      await elstatStream(child, steadyCount),
      await spectraStream(child, steadyCount),
      ...(nova ? [await novaStream(child, steadyCount)] : []),
    ];
    const start = await child.metrics();
    let peakRss = start.rssBytes;
    let peakLag = start.loopLagMaxMs;
    print(`soak: ${options.durationMs / 1000} s, ${rate} msg/s per dialect, ${steadyCount} steady clients each; RSS ${mib(start.rssBytes)}, heap ${mib(start.heapUsedBytes)}`);
    const began = Date.now();
    let tick = 0;
    const producer = setInterval(() => {
      tick += 1;
      // elstat and nova are fed over HTTP (one request per message): a tenth of the rate.
      for (const s of streams) if ((s.dialect !== 'elstat' && s.dialect !== 'nova') || tick % 10 === 0) s.produce();
    }, 1000 / rate);
    const churn = setInterval(() => {
      for (const s of streams) for (let i = 0; i < 2; i++) s.join(250 + Math.floor(Math.random() * 3_000));
    }, 1_000);
    while (Date.now() - began < options.durationMs) {
      await new Promise((r) => setTimeout(r, Math.min(10_000, Math.max(0, options.durationMs - (Date.now() - began)))));
      const m = await child.metrics();
      peakRss = Math.max(peakRss, m.rssBytes);
      peakLag = Math.max(peakLag, m.loopLagMaxMs);
      print(`soak: ${Math.round((Date.now() - began) / 1000)} s: RSS ${mib(m.rssBytes)}, heap ${mib(m.heapUsedBytes)}, loop lag p99 ${m.loopLagP99Ms.toFixed(1)} ms (max ${m.loopLagMaxMs.toFixed(1)} ms)`);
    }
    clearInterval(producer);
    clearInterval(churn);
    const accounts = await Promise.all(streams.map((s) => s.finish(15_000)));
    const end = await child.metrics();
    for (const a of accounts) {
      const steady = a.steady.map((s) => `${s.received}/${a.sent} (lost ${s.lost}, dup ${s.duplicates}, reordered ${s.reordered})`).join(', ');
      print(`soak: ${a.dialect}: sent ${a.sent}; steady ${steady}; joiners ${a.joiners.sessions} sessions, ${a.joiners.received} received, gaps ${a.joiners.gaps}, dup ${a.joiners.duplicates}, reordered ${a.joiners.reordered}`);
    }
    print(`soak: RSS ${mib(start.rssBytes)} → ${mib(end.rssBytes)} (peak ${mib(peakRss)}), heap ${mib(start.heapUsedBytes)} → ${mib(end.heapUsedBytes)}, peak loop lag ${peakLag.toFixed(1)} ms`);
    const secrets = Object.values(SOAK_TOKENS);
    const leaked = child.logLines.filter((l) => secrets.some((s) => l.includes(s))).length;
    return { durationMs: options.durationMs, start, end, peakRssBytes: peakRss, peakLoopLagMs: peakLag, accounts, childExit: await child.stop(), leakedTokenLines: leaked };
  } catch (err) {
    await child.stop();
    throw err;
  }
}
