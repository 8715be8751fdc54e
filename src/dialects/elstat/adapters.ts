/**
 * Service check adapters (notes §5.3 "Service checker"): each returns `(status, latency)`, the
 * tuple of the original's adapters ("fix ping adapter not sending a tuple"). A check never
 * throws: every failure is `status: false` with a `detail` saying why.
 */
import { request as httpRequest, type ClientRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect as tcpConnect } from 'node:net';
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import type { Clock } from '../../core/index.js';

export interface CheckResult {
  readonly status: boolean;
  /** Milliseconds, rounded; 0 when the check got no answer (the channel type is an integer, seed "Channel types"). */
  readonly latency: number;
  /** Why the service is down (or that the adapter is unavailable); null when up. */
  readonly detail: string | null;
}

export interface CheckOptions {
  readonly target: string;
  readonly timeoutMs: number;
  readonly clock: Clock;
  /** The ping adapter's command. */
  readonly pingCommand: string;
  /** Aborted when the prober stops: the check ends at once as down. */
  readonly signal: AbortSignal;
}

export type Adapter = (options: CheckOptions) => Promise<CheckResult>;

function down(detail: string, latency = 0): CheckResult {
  return { status: false, latency, detail };
}

function elapsed(start: number): number {
  return Math.max(0, Math.round(performance.now() - start));
}

/** http: GET the URL; HTTP 200 means up, latency is the time to the response headers (notes §5.3). */
const httpAdapter: Adapter = ({ target, timeoutMs, clock, signal }) =>
  new Promise((resolve) => {
    const start = performance.now();
    let settled = false;
    let req: ClientRequest | null = null;
    const settle = (result: CheckResult) => {
      if (settled) return;
      settled = true;
      clock.clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      // The body is not needed: closing right after the headers also bounds a target that streams forever.
      req?.destroy();
      resolve(result);
    };
    const timer = clock.setTimeout(() => settle(down(`timed out after ${timeoutMs} ms`)), timeoutMs);
    const onAbort = () => settle(down('stopped'));
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      const request = target.toLowerCase().startsWith('https:') ? httpsRequest : httpRequest;
      // agent: false, so every check pays for its own connection, as a visitor would.
      req = request(target, { method: 'GET', agent: false, headers: { 'user-agent': 'streamhub-elstat' } }, (res) => {
        const latency = elapsed(start);
        res.on('error', () => {});
        res.resume();
        settle(res.statusCode === 200 ? { status: true, latency, detail: null } : down(`HTTP ${res.statusCode}`, latency));
      });
      req.on('error', (err) => settle(down(err.message)));
      req.end();
    } catch (err) {
      settle(down((err as Error).message));
    }
  });

/** Splits `host:port` / `[v6]:port`. */
function splitHostPort(target: string): { host: string; port: number } {
  const colon = target.lastIndexOf(':');
  const host = target.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  return { host, port: Number(target.slice(colon + 1)) };
}

/** tcp: a completed connect means up; latency is the connect time (the notes' ping fallback). */
const tcpAdapter: Adapter = ({ target, timeoutMs, clock, signal }) =>
  new Promise((resolve) => {
    const { host, port } = splitHostPort(target);
    const start = performance.now();
    let settled = false;
    const socket = tcpConnect({ host, port });
    const settle = (result: CheckResult) => {
      if (settled) return;
      settled = true;
      clock.clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(result);
    };
    const timer = clock.setTimeout(() => settle(down(`timed out after ${timeoutMs} ms`)), timeoutMs);
    const onAbort = () => settle(down('stopped'));
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => settle({ status: true, latency: elapsed(start), detail: null }));
    socket.once('error', (err) => settle(down(err.message)));
  });

/** Most bytes of ping output read: one echo reply fits many times over. */
const MAX_PING_OUTPUT = 16 * 1024;

/**
 * ping: the system `ping -c 1` (notes §5.3; raw ICMP needs privileges Node does not have).
 * Exit 0 with `time=… ms` is up. A missing command, or one that cannot open its socket, makes
 * the adapter unavailable, reported as such in `detail`.
 */
const pingAdapter: Adapter = ({ target, timeoutMs, clock, pingCommand, signal }) =>
  new Promise((resolve) => {
    let settled = false;
    let output = '';
    const waitSeconds = String(Math.max(1, Math.ceil(timeoutMs / 1000)));
    const child = spawn(pingCommand, ['-c', '1', '-W', waitSeconds, target], { stdio: ['ignore', 'pipe', 'pipe'] });
    const settle = (result: CheckResult) => {
      if (settled) return;
      settled = true;
      clock.clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      if (child.exitCode === null) child.kill('SIGKILL');
      resolve(result);
    };
    const timer = clock.setTimeout(() => settle(down(`timed out after ${timeoutMs} ms`)), timeoutMs);
    const onAbort = () => settle(down('stopped'));
    signal.addEventListener('abort', onAbort, { once: true });
    const collect = (chunk: Buffer) => {
      if (output.length < MAX_PING_OUTPUT) output += chunk.toString('utf8');
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.once('error', (err: NodeJS.ErrnoException) => {
      const why = err.code === 'ENOENT' ? `no "${pingCommand}" command on this host` : err.message;
      settle(down(`ping adapter unavailable: ${why}`));
    });
    child.once('close', (code) => {
      if (code === 0) {
        const match = /time[=<]\s*([\d.]+)\s*ms/.exec(output);
        settle({ status: true, latency: match ? Math.round(Number(match[1])) : 0, detail: null });
      } else if (/operation not permitted|permission denied|socket: /i.test(output)) {
        settle(down(`ping adapter unavailable: ${output.trim().split('\n')[0]}`));
      } else {
        settle(down(output.trim().split('\n').pop() || `ping exited with ${code}`));
      }
    });
  });

/** Adapter by name (config `adapter`). */
export const ADAPTERS = { http: httpAdapter, tcp: tcpAdapter, ping: pingAdapter } as const satisfies Record<string, Adapter>;
