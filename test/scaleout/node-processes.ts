/**
 * Real StreamHub processes for the 3-node cluster tests (issue #7): each node is
 * `node --import tsx src/main.ts --config <file>` with `STREAMHUB_REDIS_URL`, every listener on
 * port 0 (the bound ports are read from the node's "StreamHub listening" log line), demos off.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DIALECT_MODULES } from '../../src/dialects/index.js';
import { startRedis, type RedisUnderTest } from '../helpers/redis-server.js';

const ROOT = resolve(import.meta.dirname, '../..');
const START_TIMEOUT_MS = 60_000; // tsx compiles on start: slow on a loaded machine

export type Addresses = Record<string, { name: string; port: number }[]>;

export interface NodeProcess {
  readonly index: number;
  readonly child: ChildProcess;
  readonly addresses: Addresses;
  /** The bound port of `dialect`'s listener `name` (default: its first). */
  port(dialect: string, name?: string): number;
  /** The last 8 kB of its output (for failure messages). */
  output(): string;
  /** Resolves with the exit code/signal once the process is gone. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

/** Starts one node with `config` (merged over all-ports-0, demos off) and waits for its listeners. */
export function startNode(index: number, redisUrl: string, config: Record<string, unknown>, env: Record<string, string> = {}): Promise<NodeProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'streamhub-node-'));
  const file = join(dir, 'config.json');
  const base = {
    server: { host: '127.0.0.1', demo: false, logLevel: 'info', shutdownDeadlineMs: 1_000 },
    operator: { port: 0 },
    // Every registered dialect off and on free ports; a test enables the ones it runs.
    ...Object.fromEntries(DIALECT_MODULES.map((m) => [m.name, { enabled: false, ...Object.fromEntries(m.portSettings.map((key) => [key, 0])) }])),
  };
  const merged: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(config)) merged[k] = { ...((base as Record<string, object>)[k] ?? {}), ...(v as object) };
  writeFileSync(file, JSON.stringify(merged));
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', '--config', file], {
    cwd: ROOT,
    env: { ...process.env, ...env, STREAMHUB_REDIS_URL: redisUrl },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let out = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.once('exit', (code, signal) => {
      children.delete(child);
      done({ code, signal });
    }),
  );
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => fail(new Error(`node ${index} did not start in ${START_TIMEOUT_MS} ms:\n${out}`)), START_TIMEOUT_MS);
    let done = false;
    const fail = (err: Error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(err);
    };
    void exited.then(({ code, signal }) => fail(new Error(`node ${index} exited (${code ?? signal}) before listening:\n${out}`)));
    const onData = (d: Buffer) => {
      out = (out + d.toString()).slice(-8_000);
      if (done) return;
      for (const line of out.split('\n')) {
        if (!line.includes('StreamHub listening')) continue;
        let addresses: Addresses;
        try {
          addresses = (JSON.parse(line) as { listeners: Addresses }).listeners;
        } catch {
          continue;
        }
        done = true;
        clearTimeout(timer);
        resolvePromise({
          index,
          child,
          addresses,
          exited,
          output: () => out,
          port(dialect, name) {
            const list = addresses[dialect] ?? [];
            const port = (name === undefined ? list[0] : list.find((l) => l.name === name))?.port;
            if (!port) throw new Error(`node ${index} has no ${dialect} listener ${name ?? ''}`);
            return port;
          },
          async kill(signal = 'SIGTERM') {
            if (child.exitCode !== null || child.signalCode !== null) return;
            child.kill(signal);
            await exited;
          },
        });
        return;
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
  });
}

export interface ProcessCluster {
  readonly redis: RedisUnderTest;
  readonly nodes: NodeProcess[];
  close(): Promise<void>;
}

/** A real redis-server and `n` nodes with the same config (as a deployment has). */
export async function startProcessCluster(n: number, config: Record<string, unknown>, env: Record<string, string> = {}): Promise<ProcessCluster> {
  const redis = await startRedis();
  // allSettled: when one node fails to start (a port taken…), the ones that did start are killed
  // too; with Promise.all they were never known here and kept the test process alive for ever.
  const started = await Promise.allSettled(Array.from({ length: n }, (_, i) => startNode(i, redis.url, config, env)));
  const nodes = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await Promise.all(nodes.map((node) => node.kill('SIGKILL')));
    await redis.stop();
    throw failed.reason;
  }
  return {
    redis,
    nodes,
    async close() {
      await Promise.all(nodes.map((node) => node.kill('SIGTERM')));
      await redis.stop();
    },
  };
}
