/**
 * Self sizes of a V8 heap snapshot (`.heapsnapshot`, the format DevTools reads), grouped as the
 * DevTools "Summary" view groups them: objects by constructor name (`Timeout`, `WebSocket`,
 * `system / Context`…), everything else by node type (`(closure)`, `(array)`, `(string)`,
 * `(compiled code)`…). Used by the idle-heap scenario (issue 19) to say which objects a connection
 * costs: the difference of two snapshots divided by the connections opened between them.
 */
import { readFileSync } from 'node:fs';

const STRING_TYPES = new Set(['string', 'concatenated string', 'sliced string']);

/** @returns {Map<string, {count: number, bytes: number}>} class → objects and their self size */
export function snapshotClasses(path) {
  const snap = JSON.parse(readFileSync(path, 'utf8'));
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const stride = fields.length;
  const TYPE = fields.indexOf('type');
  const NAME = fields.indexOf('name');
  const SIZE = fields.indexOf('self_size');
  const { nodes, strings } = snap;
  const out = new Map();
  for (let i = 0; i < nodes.length; i += stride) {
    const type = types[nodes[i + TYPE]];
    // native and synthetic nodes are the embedder's (Node's TCPWrap…, V8's roots): named, as objects are
    const key = type === 'object' ? strings[nodes[i + NAME]] : type === 'native' || type === 'synthetic' ? `(${type}) ${strings[nodes[i + NAME]]}` : STRING_TYPES.has(type) ? '(string)' : `(${type})`;
    const row = out.get(key);
    if (row) {
      row.count += 1;
      row.bytes += nodes[i + SIZE];
    } else {
      out.set(key, { count: 1, bytes: nodes[i + SIZE] });
    }
  }
  return out;
}

/**
 * Per connection: (after − before) ÷ `conns` for every class, largest first, plus the total of all
 * self sizes. Classes that shrank are kept (negative), so the rows add up to the total.
 */
export function classesPerConnection(before, after, conns) {
  const rows = [];
  let total = 0;
  for (const key of new Set([...before.keys(), ...after.keys()])) {
    const a = before.get(key) ?? { count: 0, bytes: 0 };
    const b = after.get(key) ?? { count: 0, bytes: 0 };
    const bytes = (b.bytes - a.bytes) / conns;
    total += bytes;
    rows.push({ name: key, bytes, count: (b.count - a.count) / conns });
  }
  rows.sort((x, y) => y.bytes - x.bytes);
  return { total, rows };
}
