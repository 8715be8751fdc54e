/** The soak's pass criteria, shared by `npm run soak` and the CI test. */
import type { SoakReport } from './run-soak.js';

/** Heap growth allowed between the start and the end of a run (caches filling to their bounds). */
export const HEAP_GROWTH_LIMIT = 96 * 1024 * 1024;
/** RSS ceiling for the whole run. */
export const RSS_LIMIT = 768 * 1024 * 1024;

/** Every way the run failed; empty when it passed. */
export function judge(report: SoakReport): string[] {
  const problems: string[] = [];
  for (const a of report.accounts) {
    if (a.sent === 0) problems.push(`${a.dialect}: nothing was sent`);
    a.steady.forEach((s, i) => {
      if (s.lost || s.duplicates || s.reordered) problems.push(`${a.dialect} steady client ${i}: lost ${s.lost}, duplicates ${s.duplicates}, reordered ${s.reordered} of ${a.sent}`);
    });
    if (a.joiners.gaps || a.joiners.duplicates || a.joiners.reordered)
      problems.push(`${a.dialect} joiners: gaps ${a.joiners.gaps}, duplicates ${a.joiners.duplicates}, reordered ${a.joiners.reordered}`);
  }
  const growth = report.end.heapUsedBytes - report.start.heapUsedBytes;
  if (growth > HEAP_GROWTH_LIMIT) problems.push(`heap grew by ${(growth / 1048576).toFixed(1)} MiB`);
  if (report.peakRssBytes > RSS_LIMIT) problems.push(`RSS peaked at ${(report.peakRssBytes / 1048576).toFixed(1)} MiB`);
  if (report.leakedTokenLines > 0) problems.push(`${report.leakedTokenLines} log lines contain a token`);
  if (report.childExit !== 0) problems.push(`StreamHub exited with ${report.childExit} on SIGTERM`);
  return problems;
}
