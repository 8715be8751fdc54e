/**
 * `node src/merge.mjs <out-name> <a.json> [b.json …]`: one Markdown table and one plot from several
 * bench runs (e.g. S1 at 200 B, S1 at 1.5 KB, S2/S4/S5), each row keeping its own scenario label
 * and load average. Writes bench/results/<out-name>.md/.json/.jsonl/.svg. `file.json#tag` appends
 * ` tag` to the S2 rows of that file (runs made before `--s2-burst` existed: `#burst`).
 */
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { BENCH_DIR } from './servers.mjs';
import { renderMarkdown, scenarioOf, summarize, writeResults } from './report.mjs';

const [outName, ...files] = process.argv.slice(2);
if (!outName || files.length === 0) {
  process.stderr.write('usage: node src/merge.mjs <out-name> <a.json> [b.json …]\n');
  process.exit(2);
}
const tags = files.map((f) => f.split('#')[1] ?? '');
const parts = files.map((f) => JSON.parse(readFileSync(f.split('#')[0], 'utf8')));
const first = parts[0];
const merged = {
  meta: {
    ...first.meta,
    startedAt: `${outName} (merged)`,
    command: parts.map((p) => p.meta.command).join('` + `'),
    loadAvgAtStart: first.meta.loadAvgAtStart,
    mergedFrom: files.map((f) => basename(f.split('#')[0])),
    opts: {
      ...first.meta.opts,
      quick: false,
      runs: [...new Set(parts.map((p) => p.meta.opts.runs))].sort().join(' or '),
      channels: parts.find((p) => p.meta.opts.channels)?.meta.opts.channels,
      perChannel: parts.find((p) => p.meta.opts.perChannel)?.meta.opts.perChannel,
    },
  },
  memory: parts.flatMap((p) => p.memory ?? []),
  // label every row with its own scenario (and size) before the runs are mixed
  fanout: parts.flatMap((p, i) =>
    (p.fanout ?? []).map((r) => {
      const scenario = scenarioOf(r, p.meta.opts.size);
      return { ...r, scenario: scenario.startsWith('S2 ') ? `${scenario}${tags[i] && !scenario.endsWith(tags[i]) ? ` ${tags[i]}` : ''}` : scenario };
    }),
  ),
  replay: parts.flatMap((p) => p.replay ?? []),
  dialects: parts.flatMap((p) => p.dialects ?? []),
};
const rows = summarize(merged);
merged.summary = rows;
const markdown = renderMarkdown(merged, rows, `${outName}.svg`);
const base = writeResults(merged, markdown, join(BENCH_DIR, 'results', outName));
process.stdout.write(`${markdown}\n`);
process.stderr.write(`merged: ${base}.md\n`);
