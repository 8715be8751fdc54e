/**
 * StreamHub as a child process for the soak run: `node --import tsx src/main.ts` with a config file
 * (every port 0, demos on, tokens set), its listener addresses read from the start-up log line,
 * and its figures read from the operator's Prometheus `/metrics`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

export const SOAK_TOKENS = {
  admin: 'soak-admin-token-0123456789',
  ingest: 'soak-ingest-token-0123456789',
  spectraKey: 'soak-spectra-key-0123456789',
  incidents: 'soak-incidents-token-0123456789',
  novaControl: 'soak-nova-control-token-0123456789',
  novaJwt: 'soak-nova-jwt-secret-0123456789abcdef',
} as const;

export interface SoakChild {
  readonly process: ChildProcess;
  /** Port of a dialect's listener (the first, or the named one). */
  port(dialect: string, listener?: string): number;
  /** Every log line the child wrote (the soak checks that no token appears in them). */
  readonly logLines: string[];
  metrics(): Promise<SoakMetrics>;
  stop(): Promise<number | null>;
}

export interface SoakMetrics {
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
  readonly loopLagP99Ms: number;
  readonly loopLagMaxMs: number;
}

type Address = { name: string; port: number };

export async function startChild(options: { demo: boolean; nova: boolean }): Promise<SoakChild> {
  const dir = mkdtempSync(join(tmpdir(), 'streamhub-soak-'));
  const configFile = join(dir, 'config.json');
  writeFileSync(
    configFile,
    JSON.stringify({
      server: { host: '127.0.0.1', demo: options.demo, logLevel: 'info', handshakeTimeoutMs: 5_000 },
      operator: { port: 0, adminToken: SOAK_TOKENS.admin },
      match: { port: 0, perIpMax: 500, ingest: { token: SOAK_TOKENS.ingest } },
      // A small cache keeps a 30-minute publish bounded; the soak checks nothing is lost live.
      relay: { port: 0, perIpMax: 500, gopCacheBytes: 4 * 1024 * 1024 },
      spectra: { ingestPort: 0, outputPort: 0, statusPort: 0, authKey: SOAK_TOKENS.spectraKey, development: true, emitIntervalMs: 50 },
      elstat: { port: 0, perIpMax: 500, incidents: { token: SOAK_TOKENS.incidents } },
      streamhub: { port: 0 },
      nova: options.nova ? { port: 0, perIpMax: 500, controlToken: SOAK_TOKENS.novaControl, jwt: { secret: SOAK_TOKENS.novaJwt } } : { enabled: false },
    }),
  );
  const root = resolve(import.meta.dirname, '../..');
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', '--config', configFile], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, STREAMHUB_CONFIG: '' },
  });
  const logLines: string[] = [];
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const addresses = await new Promise<Record<string, Address[]>>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`StreamHub did not start within 60 s: ${stderr.slice(-2000)}`)), 60_000);
    child.once('exit', (code) => fail(new Error(`StreamHub exited with ${code}: ${stderr.slice(-2000)}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      logLines.push(line);
      if (logLines.length > 200_000) logLines.splice(0, 100_000);
      if (!line.includes('StreamHub listening')) return;
      clearTimeout(timer);
      done((JSON.parse(line) as { listeners: Record<string, Address[]> }).listeners);
    });
  });
  const port = (dialect: string, listener?: string) => {
    const list = addresses[dialect] ?? [];
    const found = listener ? list.find((a) => a.name === listener) : list[0];
    if (!found) throw new Error(`no ${dialect} listener ${listener ?? ''} in ${JSON.stringify(addresses)}`);
    return found.port;
  };
  return {
    process: child,
    port,
    logLines,
    async metrics() {
      const text = await (await fetch(`http://127.0.0.1:${port('operator')}/metrics`)).text();
      const read = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, 'm').exec(text)?.[1] ?? NaN);
      return {
        rssBytes: read('streamhub_process_resident_memory_bytes'),
        heapUsedBytes: read('streamhub_nodejs_heap_size_used_bytes'),
        loopLagP99Ms: read('streamhub_nodejs_eventloop_lag_p99_seconds') * 1000,
        loopLagMaxMs: read('streamhub_nodejs_eventloop_lag_max_seconds') * 1000,
      };
    },
    stop() {
      return new Promise((done) => {
        if (child.exitCode !== null) return done(child.exitCode);
        child.once('exit', (code) => done(code));
        child.kill('SIGTERM');
      });
    },
  };
}
