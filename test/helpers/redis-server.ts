/**
 * A real redis-server for tests: spawned on a free loopback port, never persisting, never the
 * machine's own Redis on 6379. Tests talk to it with RedisBroker (ioredis stays in src/brokers);
 * the helper's own few commands (PING, FLUSHALL, CLIENT KILL) go over a raw RESP socket.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { delimiter, join } from 'node:path';

/** A Redis binary: `envPath` if set, else /usr/bin/<name> (Debian's), else the first on PATH. */
export function redisBinary(name: string, envPath: string | undefined): string {
  return envPath ?? ['/usr/bin', ...(process.env.PATH ?? '').split(delimiter)].map((dir) => join(dir, name)).find((f) => existsSync(f)) ?? `/usr/bin/${name}`;
}

/** `REDIS_SERVER_BIN`, else /usr/bin/redis-server, else the first on PATH. */
export const REDIS_SERVER = redisBinary('redis-server', process.env.REDIS_SERVER_BIN);
const START_TIMEOUT_MS = 10_000;
const PORT_ATTEMPTS = 5;

export interface RedisUnderTest {
  readonly url: string;
  readonly port: number;
  /** SIGTERM, then resolves when the process has exited. Idempotent. */
  stop(): Promise<void>;
  /** stop() if running, then start again on the same port (with --save "" the data is gone). */
  restart(): Promise<void>;
  /** FLUSHALL. */
  flush(): Promise<void>;
  /** Sends one command over a fresh connection and returns the raw reply text. */
  command(...args: string[]): Promise<string>;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Registers a spawned server so that it is SIGKILLed if the test process exits first. */
export function killOnExit(child: ChildProcess): void {
  running.add(child);
  child.once('exit', () => running.delete(child));
}

/** A loopback port that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** One RESP command on its own connection; resolves with the first complete reply line(s). */
export function redisCommand(port: number, args: readonly string[], timeoutMs = 2_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let reply = '';
    const timer = setTimeout(() => socket.destroy(new Error(`redis ${args[0]} timed out`)), timeoutMs);
    socket.once('error', (err) => (clearTimeout(timer), reject(err)));
    socket.on('data', (chunk) => {
      reply += chunk.toString('utf8');
      if (reply.endsWith('\r\n')) {
        clearTimeout(timer);
        socket.end();
        resolve(reply);
      }
    });
    socket.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`);
  });
}

/** Spawns redis-server on `port`; resolves once it answers PING, rejects if it exits first (e.g. port taken). */
function spawnOn(port: number): Promise<ChildProcess> {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'yes', '--loglevel', 'notice'];
  const child = spawn(REDIS_SERVER, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  killOnExit(child);
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4_000)));
  child.stderr!.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4_000)));
  return new Promise((resolve, reject) => {
    const deadline = setTimeout(() => fail(new Error(`redis-server on ${port} did not answer PING in ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
    let done = false;
    const fail = (err: Error) => {
      if (done) return;
      done = true;
      clearTimeout(deadline);
      child.kill('SIGKILL');
      reject(err);
    };
    child.once('exit', (code) => fail(new Error(`redis-server exited (${code}) on port ${port}: ${output.trim()}`)));
    child.once('error', (err) => fail(err));
    // Readiness is an event: redis-server logs this line once its socket listens; PING confirms.
    const onOutput = () => {
      if (done || !output.includes('Ready to accept connections')) return;
      child.stdout!.off('data', onOutput);
      redisCommand(port, ['PING'], 2_000).then(
        (reply) => {
          if (!reply.startsWith('+PONG')) return fail(new Error(`redis-server on ${port} answered ${reply.trim()}`));
          if (done) return;
          done = true;
          clearTimeout(deadline);
          resolve(child);
        },
        (err: Error) => fail(err),
      );
    };
    child.stdout!.on('data', onOutput);
  });
}

function stopChild(child: ChildProcess | null): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** Starts a throwaway redis-server on a free port. Fails with a clear message when redis-server is not installed. */
export async function startRedis(): Promise<RedisUnderTest> {
  if (!existsSync(REDIS_SERVER)) {
    throw new Error(`${REDIS_SERVER} not found: install redis-server (apt-get install redis-server) to run the Redis tests`);
  }
  let child: ChildProcess | null = null;
  let port = 0;
  let lastError: unknown;
  for (let attempt = 0; attempt < PORT_ATTEMPTS && !child; attempt++) {
    port = await freePort();
    if (port === 6379) continue; // never the machine's own Redis
    try {
      child = await spawnOn(port);
    } catch (err) {
      lastError = err; // another process took the port between close and spawn: try another
    }
  }
  if (!child) throw new Error(`could not start redis-server: ${(lastError as Error)?.message}`);
  const fixedPort = port;
  return {
    url: `redis://127.0.0.1:${fixedPort}`,
    port: fixedPort,
    async stop() {
      await stopChild(child);
    },
    async restart() {
      await stopChild(child);
      child = await spawnOn(fixedPort);
    },
    async flush() {
      const reply = await redisCommand(fixedPort, ['FLUSHALL']);
      if (!reply.startsWith('+OK')) throw new Error(`FLUSHALL: ${reply}`);
    },
    command: (...args: string[]) => redisCommand(fixedPort, args),
  };
}
