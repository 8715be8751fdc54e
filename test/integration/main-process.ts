/**
 * `src/main.ts` as a real process for the start-up tests: with its output on a pipe (JSON logs), or
 * on a pseudo-terminal through util-linux `script`, as a person running `npm start` sees it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');

/** Every listener on a free loopback port; demo producers on unless the caller says otherwise. */
export const FREE_PORTS_ENV: Readonly<Record<string, string>> = {
  STREAMHUB_HOST: '127.0.0.1',
  STREAMHUB_OPERATOR_PORT: '0',
  STREAMHUB_MATCH_PORT: '0',
  STREAMHUB_NOVA_PORT: '0',
  STREAMHUB_RELAY_PORT: '0',
  STREAMHUB_ELSTAT_PORT: '0',
  STREAMHUB_PROTOCOL_PORT: '0',
  STREAMHUB_SPECTRA_INGEST_PORT: '0',
  STREAMHUB_SPECTRA_OUTPUT_PORT: '0',
  STREAMHUB_SPECTRA_STATUS_PORT: '0',
};

export interface MainProcess {
  readonly child: ChildProcess;
  /** Everything written so far (stdout and, on a terminal, stderr too), colours removed. */
  output(): string;
  /** Resolves once `predicate(output)` holds; rejects when the process exits first or after `timeoutMs`. */
  waitFor(predicate: (output: string) => boolean, what: string, timeoutMs?: number): Promise<void>;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g;

export function startMain(env: Record<string, string>, options: { tty?: boolean } = {}): MainProcess {
  const fullEnv = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env };
  const node = `${process.execPath} --import tsx src/main.ts`;
  // script(1) runs the command on a new pseudo-terminal; `exec` makes node its direct child, so the
  // SIGTERM that script passes on at stop reaches node itself.
  const child = options.tty
    ? spawn('script', ['-qec', `exec ${node}`, '/dev/null'], { cwd: ROOT, env: fullEnv, stdio: ['pipe', 'pipe', 'pipe'] })
    : spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: ROOT, env: fullEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString('utf8')));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString('utf8')));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const output = () => out.replace(ANSI, '').replace(/\r\n/g, '\n');
  return {
    child,
    output,
    async waitFor(predicate, what, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(output())) {
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(`main exited before ${what}:\n${output()}`);
        if (Date.now() > deadline) throw new Error(`no ${what} within ${timeoutMs} ms:\n${output()}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
