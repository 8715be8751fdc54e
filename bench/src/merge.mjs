/**
 * `node src/merge.mjs <out-name> <a.json> [b.json …]`: one Markdown table and one plot from several
 * bench runs (e.g. S1 at 200 B, S1 at 1.5 KB, S2/S4/S5), each row keeping its own scenario label
 * and load average. Writes bench/results/<out-name>.md/.json/.jsonl/.svg.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { renderMarkdown, scenarioOf, summarize, writeResults } from './report.mjs';

const [outName, ...files] = process.argv.slice(2);
if (!outName || files.length === 0) {
  process.stderr.write('usage: node src/merge.mjs <out-name> <a.json> [b.json …]\n');
  process.exit(2);
}
const parts = files.map((f) => JSON.parse(readFileSync(f, 'utf8')));
const first = parts[0];
const merged = {
  meta: {
    ...first.meta,
    startedAt: outName,
    command: parts.map((p) => p.meta.command).join('` + `'),
    loadAvgAtStart: first.meta.loadAvgAtStart,
    mergedFrom: files.map((f) => basename(f)),
    opts: { ...first.meta.opts, quick: false, size: first.meta.opts.size },
  },
  memory: parts.flatMap((p) => p.memory ?? []),
  // label every row with its own scenario (and size) before the runs are mixed
  fanout: parts.flatMap((p) => (p.fanout ?? []).map((r) => ({ ...r, scenario: scenarioOf(r, p.meta.opts.size).replace(/^S2 /, `S2 ${p.meta.opts.size} B `) }))),
  replay: parts.flatMap((p) => p.replay ?? []),
  dialects: parts.flatMap((p) => p.dialects ?? []),
};
const rows = summarize(merged);
merged.summary = rows;
merged.meta.startedAt = outName;
const base = writeResults({ ...merged, meta: { ...merged.meta, startedAt: `${outName}.000Z` } }, '');
const markdown = renderMarkdown(merged, rows, `${basename(base)}.svg`);
writeResults({ ...merged, meta: { ...merged.meta, startedAt: `${outName}.000Z` } }, markdown);
process.stdout.write(`${markdown}\n`);
process.stderr.write(`merged: ${base}.md\n`);
