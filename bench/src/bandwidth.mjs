/**
 * The machine's loopback byte limit from one sender core (issue 19): `iperf3 -R -P 8` with the
 * iperf3 server — the sender under -R — pinned to the server core (0) like every server under test,
 * and the client (receiver) pinned to the load generator's core (1). The report divides every
 * fan-out figure's bytes/s by this. Returns null (and says why) when iperf3 is missing.
 */
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { spawnPinned, stopChild } from './proc.mjs';

const freePort = () =>
  new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

/** @returns {Promise<{bitsPerSecond:number, bytesPerSecond:number, seconds:number, streams:number, senderCpu:number|null, command:string}|{error:string}>} */
export async function measureLoopbackBandwidth({ seconds = 5, streams = 8 } = {}) {
  try {
    execFileSync('iperf3', ['--version'], { stdio: 'ignore' });
  } catch {
    return { error: 'iperf3 not installed (bench/setup.sh installs it on Debian)' };
  }
  const port = await freePort();
  const server = spawnPinned(0, 'iperf3', ['-s', '-1', '-B', '127.0.0.1', '-p', String(port)]);
  try {
    await new Promise((r) => setTimeout(r, 500));
    const lines = [];
    const client = spawnPinned(1, 'iperf3', ['-c', '127.0.0.1', '-p', String(port), '-R', '-P', String(streams), '-t', String(seconds), '-J'], {
      onLine: (l) => lines.push(l),
    });
    const timer = setTimeout(() => client.kill('SIGKILL'), (seconds + 15) * 1000);
    await client.exited;
    clearTimeout(timer);
    const j = JSON.parse(lines.join('\n'));
    if (j.error) return { error: `iperf3: ${j.error}` };
    const bps = j.end.sum_received.bits_per_second;
    return {
      bitsPerSecond: bps,
      bytesPerSecond: bps / 8,
      seconds,
      streams,
      // with -R the remote (our pinned iperf3 server) is the sender
      senderCpu: j.end.cpu_utilization_percent?.remote_total ?? null,
      command: `taskset -c 0 iperf3 -s -1 -B 127.0.0.1 -p P & taskset -c 1 iperf3 -c 127.0.0.1 -p P -R -P ${streams} -t ${seconds} -J`,
    };
  } catch (err) {
    return { error: `iperf3: ${err.message.split('\n')[0]}` };
  } finally {
    await stopChild(server, 2_000);
  }
}
