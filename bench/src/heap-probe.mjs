/**
 * Preloaded (`--import`) into a server the idle-heap scenario measures (issue 19), which runs with
 * `--expose-gc`. On SIGUSR2 it collects garbage twice (the second pass frees what the first only
 * finalized), then prints one JSON line `{"heapProbe":n,...}` with the V8 heap statistics and RSS,
 * and, with BENCH_HEAP_SNAPSHOT_DIR set, writes a heap snapshot there (V8 collects garbage again
 * before it walks the heap) and names the file in the line, but only when the bench wrote
 * `snapshot` into `<dir>/next` first: writing a snapshot leaves native memory in the RSS, so the
 * RSS probes are taken without one. The bench diffs two such probes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getHeapStatistics, writeHeapSnapshot } from 'node:v8';

let n = 0;
process.on('SIGUSR2', () => {
  n += 1;
  globalThis.gc?.();
  globalThis.gc?.();
  const stats = getHeapStatistics();
  const { rss, external, arrayBuffers } = process.memoryUsage();
  const dir = process.env.BENCH_HEAP_SNAPSHOT_DIR;
  const wanted = dir ? readFileSync(join(dir, 'next'), 'utf8').trim() === 'snapshot' : false;
  const snapshot = wanted ? writeHeapSnapshot(join(dir, `idle-heap-${process.pid}-${n}.heapsnapshot`)) : null;
  const line = { heapProbe: n, usedHeap: stats.used_heap_size, totalHeap: stats.total_heap_size, external, arrayBuffers, rss, gcExposed: typeof globalThis.gc === 'function', snapshot };
  process.stdout.write(`${JSON.stringify(line)}\n`);
});
