/** Spawns `bin/streamhub.js` as a user would, and collects its output and exit code. */
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { resolve } from 'node:path';
import type { StreamHub } from '../../src/server.js';
import { portOf } from '../helpers/streamhub.js';

const BIN = resolve(import.meta.dirname, '..', '..', 'bin', 'streamhub.js');

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI with only `env` in its environment (plus PATH); kills it after `timeoutMs`. */
export function runCli(args: string[], options: { env?: Record<string, string>; stdin?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { PATH: process.env.PATH ?? '', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', fail);
    child.on('close', (code) => {
      clearTimeout(killer);
      done({ code, stdout, stderr });
    });
    child.stdin.end(options.stdin ?? '');
  });
}

/** The environment that points the CLI at a test StreamHub's ports (as a local config would). */
export function envFor(hub: StreamHub, extra: Record<string, string> = {}): Record<string, string> {
  return {
    STREAMHUB_OPERATOR_PORT: String(portOf(hub, 'operator')),
    STREAMHUB_MATCH_PORT: String(portOf(hub, 'match')),
    STREAMHUB_NOVA_PORT: String(portOf(hub, 'nova')),
    STREAMHUB_RELAY_PORT: String(portOf(hub, 'relay')),
    STREAMHUB_ELSTAT_PORT: String(portOf(hub, 'elstat')),
    STREAMHUB_SPECTRA_OUTPUT_PORT: String(portOf(hub, 'spectra', 'output')),
    STREAMHUB_PROTOCOL_PORT: String(portOf(hub, 'streamhub')),
    ...extra,
  };
}

/** An HS256 JWT signed with `secret` (RFC 7519), made by hand so the test needs no JWT library. */
export function hs256(claims: Record<string, unknown>, secret: string): string {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const head = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}`;
  return `${head}.${createHmac('sha256', secret).update(head).digest('base64url')}`;
}
