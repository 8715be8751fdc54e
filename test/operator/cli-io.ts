/** Runs the CLI in this process (src/cli/main.ts `runCli`) with captured output: the error and exit-code matrix without a spawn per case. */
import { Readable } from 'node:stream';
import { runCli } from '../../src/cli/main.js';
import type { CliResult } from './cli-run.js';

export async function runInProcess(args: string[], options: { env?: Record<string, string>; stdin?: string } = {}): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    env: options.env ?? {},
    stdout: (t) => (stdout += `${t}\n`),
    stderr: (t) => (stderr += `${t}\n`),
    rawStdout: (b) => (stdout += b.toString('latin1')),
    readStdin: async () => options.stdin ?? '',
    stdinStream: Readable.from([Buffer.from(options.stdin ?? '')]),
    signal: new AbortController().signal,
  });
  return { code, stdout, stderr };
}
