/** Spawns `wired-node-main.ts` processes (cluster nodes with the server's cluster wiring) for kill tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

export interface WiredProcess {
  readonly port: number;
  readonly child: ChildProcess;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

export function startWiredProcess(dialect: 'elstat' | 'relay', redisUrl: string, config: object, cluster: object = {}, timeoutMs = 60_000): Promise<WiredProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', resolve(import.meta.dirname, 'wired-node-main.ts'), dialect, redisUrl, JSON.stringify(config), JSON.stringify(cluster)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  const exited = new Promise<void>((done) => child.once('exit', () => (children.delete(child), done())));
  let out = '';
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => (child.kill('SIGKILL'), reject(new Error(`wired ${dialect} node did not start: ${out}`))), timeoutMs);
    void exited.then(() => (clearTimeout(timer), reject(new Error(`wired ${dialect} node exited: ${out}`))));
    const onData = (d: Buffer) => {
      out = (out + d.toString()).slice(-4_000);
      const m = /\{"port":(\d+)\}/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      resolvePromise({
        port: Number(m[1]),
        child,
        async kill(signal = 'SIGTERM') {
          if (child.exitCode !== null || child.signalCode !== null) return;
          child.kill(signal);
          await exited;
        },
      });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-4_000)));
  });
}
