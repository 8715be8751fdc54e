/**
 * A real Redis Cluster for tests (issue 17, "Past one Redis" (b)): 3 masters + 3 replicas of
 * redis-server 7 on free loopback ports (client and bus ports both picked free; never 6379),
 * created with `redis-cli --cluster create … --cluster-replicas 1 --cluster-yes`, ready once every
 * node says `cluster_state:ok` and every replica's link to its master is up. Offers the slot map
 * (`masterOf`), a SIGKILL of a master that waits for its replica's promotion, and `stop()`.
 * Every wait is bounded (CLUSTER_TIMEOUTS) and fails with what it waited for.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keySlot } from '../../src/util/redis-cluster-slot.js';
import { freePort, killOnExit, REDIS_SERVER, redisBinary } from './redis-server.js';

const REDIS_CLI = redisBinary('redis-cli', process.env.REDIS_CLI_BIN);

/** Bounds of every wait here (ms). */
export const CLUSTER_TIMEOUTS = {
  /** One redis-server to log "Ready to accept connections". */
  nodeStart: 10_000,
  /** `redis-cli --cluster create` to finish. */
  create: 30_000,
  /** Every node to say cluster_state:ok and every replica to be linked, after create. */
  converge: 30_000,
  /** A killed master's replica to be promoted and the cluster ok again. */
  failover: 30_000,
  /** One command over a raw socket. */
  command: 3_000,
} as const;

/**
 * Failure detection after this long without a ping reply (Redis's default is 15 s). A replica
 * asks for its promotion about this long plus 0.5–1.5 s after its master died.
 */
export const CLUSTER_NODE_TIMEOUT_MS = 1_000;

export interface ClusterNodeUnderTest {
  readonly port: number;
  readonly busPort: number;
  readonly url: string;
  /** True until killed or stopped. */
  readonly alive: boolean;
}

export interface RedisClusterUnderTest {
  readonly nodes: readonly ClusterNodeUnderTest[];
  /** `redis://127.0.0.1:<port>` of every node started (masters and replicas). */
  readonly urls: readonly string[];
  readonly ports: readonly number[];
  /** Port of the master serving `slotOrKey` now (a key is hashed as Redis does, hash tag included). */
  masterOf(slotOrKey: number | string): Promise<number>;
  /** The masters' ports now, ordered by the first slot each serves. */
  masters(): Promise<number[]>;
  /**
   * SIGKILLs the i-th master of `masters()`, then waits until its replica serves its slots and
   * every live node says cluster_state:ok. Resolves with `{ killed, promoted }` ports.
   */
  killMaster(i: number): Promise<{ killed: number; promoted: number }>;
  /** FLUSHALL on every live master (with `--save ""` the data is gone; replicas follow). */
  flush(): Promise<void>;
  /** One command to the node on `port`; resolves with the decoded reply (bulk and simple strings as text). */
  command(port: number, ...args: string[]): Promise<RespValue>;
  /** SIGKILLs every node and removes the temp dir. Idempotent. */
  stop(): Promise<void>;
}

export type RespValue = string | number | null | RespValue[] | Error;

/** Parses one RESP value at `at`; null when the buffer does not yet hold all of it. */
function parseResp(buf: Buffer, at: number): { value: RespValue; next: number } | null {
  const eol = buf.indexOf('\r\n', at);
  if (eol < 0) return null;
  const type = String.fromCharCode(buf[at]!);
  const line = buf.toString('utf8', at + 1, eol);
  if (type === '+') return { value: line, next: eol + 2 };
  if (type === '-') return { value: new Error(line), next: eol + 2 };
  if (type === ':') return { value: Number(line), next: eol + 2 };
  if (type === '$') {
    const len = Number(line);
    if (len < 0) return { value: null, next: eol + 2 };
    if (buf.length < eol + 2 + len + 2) return null;
    return { value: buf.toString('utf8', eol + 2, eol + 2 + len), next: eol + 2 + len + 2 };
  }
  if (type === '*') {
    const n = Number(line);
    if (n < 0) return { value: null, next: eol + 2 };
    const items: RespValue[] = [];
    let next = eol + 2;
    for (let i = 0; i < n; i++) {
      const item = parseResp(buf, next);
      if (!item) return null;
      items.push(item.value);
      next = item.next;
    }
    return { value: items, next };
  }
  throw new Error(`unexpected RESP type ${type}`);
}

/** One command on its own connection, the whole reply decoded. */
export function clusterCommand(port: number, args: readonly string[], timeoutMs: number = CLUSTER_TIMEOUTS.command): Promise<RespValue> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => socket.destroy(new Error(`redis ${args.join(' ')} on ${port} timed out`)), timeoutMs);
    socket.once('error', (err) => (clearTimeout(timer), reject(err)));
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      const parsed = parseResp(buf, 0);
      if (!parsed) return;
      clearTimeout(timer);
      socket.end();
      resolve(parsed.value);
    });
    socket.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`);
  });
}

/** Re-checks `check` every 50 ms until it returns a value, or throws naming `what` after `timeoutMs`. */
async function until<T>(check: () => Promise<T | null | undefined | false>, what: string, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`redis cluster: timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (${(last as Error).message})` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface Node {
  readonly port: number;
  readonly busPort: number;
  readonly url: string;
  child: ChildProcess | null;
  readonly alive: boolean;
}

function spawnNode(port: number, busPort: number, dir: string): Promise<ChildProcess> {
  const args = [
    '--port', String(port), '--cluster-port', String(busPort), '--bind', '127.0.0.1',
    '--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${port}.conf`),
    '--cluster-node-timeout', String(CLUSTER_NODE_TIMEOUT_MS),
    // One shard down must not stop the others (Redis's default refuses every slot then).
    '--cluster-require-full-coverage', 'no',
    '--dir', dir, '--save', '', '--appendonly', 'no', '--protected-mode', 'yes', '--loglevel', 'notice',
  ];
  const child = spawn(REDIS_SERVER, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  killOnExit(child);
  let output = '';
  const collect = (d: Buffer) => (output = (output + d.toString()).slice(-4_000));
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (err: Error | null) => {
      if (done) return;
      done = true;
      clearTimeout(deadline);
      child.stdout!.off('data', onOutput);
      if (err) {
        child.kill('SIGKILL');
        reject(err);
      } else resolve(child);
    };
    const deadline = setTimeout(() => finish(new Error(`redis-server on ${port} not ready in ${CLUSTER_TIMEOUTS.nodeStart} ms: ${output.trim()}`)), CLUSTER_TIMEOUTS.nodeStart);
    child.once('exit', (code) => finish(new Error(`redis-server exited (${code}) on port ${port}: ${output.trim()}`)));
    child.once('error', (err) => finish(err));
    const onOutput = () => {
      if (output.includes('Ready to accept connections')) finish(null);
    };
    child.stdout!.on('data', onOutput);
  });
}

/** Two free ports (client, bus), neither 6379 nor its bus port. */
async function portPair(taken: Set<number>): Promise<[number, number]> {
  const pick = async () => {
    for (let i = 0; i < 20; i++) {
      const p = await freePort();
      if (p !== 6379 && p !== 16379 && !taken.has(p)) return taken.add(p), p;
    }
    throw new Error('no free port');
  };
  return [await pick(), await pick()];
}

/** CLUSTER NODES of one node: every node's port, role and slot ranges. */
async function clusterNodes(port: number): Promise<{ port: number; id: string; master: boolean; failed: boolean; masterId: string; ranges: [number, number][] }[]> {
  const text = await clusterCommand(port, ['CLUSTER', 'NODES']);
  if (typeof text !== 'string') throw new Error(`CLUSTER NODES on ${port}: ${String(text)}`);
  return text
    .trim()
    .split('\n')
    .map((line) => {
      const [id, address, flags, masterId, , , , , ...slots] = line.trim().split(' ');
      const ranges = slots
        .filter((s) => !s.startsWith('['))
        .map((s) => {
          const [a, b] = s.split('-').map(Number);
          return [a!, b ?? a!] as [number, number];
        });
      return {
        port: Number(address!.split('@')[0]!.split(':').at(-1)),
        id: id!,
        master: flags!.split(',').includes('master'),
        failed: /fail/.test(flags!),
        masterId: masterId!,
        ranges,
      };
    });
}

/** Starts 3 masters + 3 replicas and waits until the cluster is ok everywhere. */
export async function startRedisCluster(options: { masters?: number } = {}): Promise<RedisClusterUnderTest> {
  for (const [name, file] of [['redis-server', REDIS_SERVER], ['redis-cli', REDIS_CLI]] as const) {
    if (!existsSync(file)) throw new Error(`${file} not found: install ${name} 7 (apt-get install redis-server) to run the Redis Cluster tests`);
  }
  const masterCount = options.masters ?? 3;
  const dir = mkdtempSync(join(tmpdir(), 'streamhub-redis-cluster-'));
  const nodes: Node[] = [];
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await Promise.all(
      nodes.map(
        (n) =>
          new Promise<void>((resolve) => {
            const child = n.child;
            if (!child || child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGKILL');
          }),
      ),
    );
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const taken = new Set<number>();
    for (let i = 0; i < masterCount * 2; i++) {
      // A port taken between the check and the spawn: try another pair (bounded).
      for (let attempt = 0; ; attempt++) {
        const [port, busPort] = await portPair(taken);
        try {
          const child = await spawnNode(port, busPort, dir);
          const node: Node = {
            port,
            busPort,
            url: `redis://127.0.0.1:${port}`,
            child,
            get alive() {
              return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
            },
          };
          nodes.push(node);
          break;
        } catch (err) {
          if (attempt >= 4) throw err;
        }
      }
    }
    // The first `masterCount` addresses become the masters, the rest their replicas.
    const create = spawn(REDIS_CLI, ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', '1', '--cluster-yes'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let createOutput = '';
    create.stdout!.on('data', (d: Buffer) => (createOutput = (createOutput + d.toString()).slice(-8_000)));
    create.stderr!.on('data', (d: Buffer) => (createOutput = (createOutput + d.toString()).slice(-8_000)));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => (create.kill('SIGKILL'), reject(new Error(`redis-cli --cluster create timed out: ${createOutput}`))), CLUSTER_TIMEOUTS.create);
      create.once('exit', (code) => {
        clearTimeout(timer);
        if (code === 0) resolve();
        else reject(new Error(`redis-cli --cluster create exited ${code}: ${createOutput}`));
      });
    });
    await until(
      async () => {
        for (const n of nodes) {
          const info = await clusterCommand(n.port, ['CLUSTER', 'INFO']);
          if (typeof info !== 'string' || !info.includes('cluster_state:ok')) return false;
          const repl = await clusterCommand(n.port, ['INFO', 'replication']);
          if (typeof repl !== 'string') return false;
          if (repl.includes('role:slave') && !repl.includes('master_link_status:up')) return false;
        }
        const view = await clusterNodes(nodes[0]!.port);
        // Every node knows every other, and every master has a replica.
        return view.length === nodes.length && view.filter((v) => v.master && v.ranges.length > 0).every((m) => view.some((r) => r.masterId === m.id));
      },
      'cluster_state:ok on every node with every replica linked',
      CLUSTER_TIMEOUTS.converge,
    );
  } catch (err) {
    await stop();
    throw err;
  }

  const live = () => nodes.filter((n) => n.alive);
  const view = async () => {
    let last: unknown;
    for (const n of live()) {
      try {
        return await clusterNodes(n.port);
      } catch (err) {
        last = err;
      }
    }
    throw new Error(`no live node answered CLUSTER NODES: ${(last as Error)?.message}`);
  };
  const masters = async () =>
    (await view())
      .filter((v) => v.master && !v.failed && v.ranges.length > 0)
      .sort((a, b) => a.ranges[0]![0] - b.ranges[0]![0])
      .map((v) => v.port);
  // Right after a failover the node asked may not have heard of the promotion yet (gossip): ask
  // again, bounded, until some node's view has a live master for the slot.
  const masterOf = async (slotOrKey: number | string) => {
    const slot = typeof slotOrKey === 'number' ? slotOrKey : keySlot(slotOrKey);
    const deadline = Date.now() + CLUSTER_TIMEOUTS.converge;
    for (;;) {
      const owner = (await view()).find((v) => v.master && !v.failed && v.ranges.some(([a, b]) => slot >= a && slot <= b));
      if (owner) return owner.port;
      if (Date.now() > deadline) throw new Error(`no master serves slot ${slot}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  return {
    get nodes() {
      return nodes;
    },
    urls: nodes.map((n) => n.url),
    ports: nodes.map((n) => n.port),
    masterOf,
    masters,
    async killMaster(i) {
      const before = await view();
      const ports = await masters();
      const killed = ports[i];
      if (killed === undefined) throw new Error(`no master #${i} (there are ${ports.length})`);
      const victim = before.find((v) => v.port === killed)!;
      const firstSlot = victim.ranges[0]![0];
      const replica = before.find((v) => v.masterId === victim.id);
      if (!replica) throw new Error(`master ${killed} has no replica`);
      const node = nodes.find((n) => n.port === killed)!;
      await new Promise<void>((resolve) => {
        node.child!.once('exit', () => resolve());
        node.child!.kill('SIGKILL');
      });
      await until(
        async () => {
          for (const n of live()) {
            const info = await clusterCommand(n.port, ['CLUSTER', 'INFO']);
            if (typeof info !== 'string' || !info.includes('cluster_state:ok')) return false;
          }
          const now = await clusterNodes(replica.port);
          return now.some((v) => v.port === replica.port && v.master && v.ranges.some(([a, b]) => firstSlot >= a && firstSlot <= b));
        },
        `replica ${replica.port} promoted in place of master ${killed}`,
        CLUSTER_TIMEOUTS.failover,
      );
      return { killed, promoted: replica.port };
    },
    async flush() {
      for (const port of await masters()) {
        const reply = await clusterCommand(port, ['FLUSHALL']);
        if (reply !== 'OK') throw new Error(`FLUSHALL on ${port}: ${String(reply)}`);
      }
    },
    command: (port, ...args) => clusterCommand(port, args),
    stop,
  };
}
