/** Spawns `bin/streamhub.js` with binary stdin/stdout, for the relay CLI commands. */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

const BIN = resolve(import.meta.dirname, '..', '..', 'bin', 'streamhub.js');

export interface Spawned {
  readonly child: ChildProcess;
  /** Resolves when the process exits: its code, everything it wrote to stdout (bytes) and stderr. */
  readonly done: Promise<{ code: number | null; stdout: Buffer; stderr: string }>;
}

/** Runs the CLI with only PATH and `env` in its environment; `stdin` is written then closed (unless null); killed after `timeoutMs`. */
export function spawnCli(args: string[], env: Record<string, string>, stdin: Buffer | null = Buffer.alloc(0), timeoutMs = 30_000): Spawned {
  const child = spawn(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => out.push(c));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const done = new Promise<{ code: number | null; stdout: Buffer; stderr: string }>((ok, fail) => {
    child.on('error', fail);
    child.on('close', (code) => {
      clearTimeout(killer);
      ok({ code, stdout: Buffer.concat(out), stderr });
    });
  });
  if (stdin) child.stdin!.end(stdin);
  return { child, done };
}
