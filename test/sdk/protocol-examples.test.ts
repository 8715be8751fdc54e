/**
 * PROTOCOL.md's examples are the SDK's specification (issue 18: "PROTOCOL.md documents every frame
 * with examples"): every frame type of §4 appears in an example, every ```json block holds valid
 * JSON objects, and the §17 delta example applies with the SDK's decoder to the text it claims.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { it } from 'node:test';
import { applyDelta } from '../../sdk/src/fossil-delta.js';

const DOC = readFileSync(resolve(import.meta.dirname, '..', '..', 'src', 'dialects', 'streamhub', 'PROTOCOL.md'), 'utf8');

/** Every frame of §4's table: client commands, replies and server pushes. */
const FRAME_TYPES = [
  'connect', 'connected', 'refresh', 'refreshed', 'subscribe', 'subscribed', 'unsubscribe', 'unsubscribed', 'history',
  'publish', 'published', 'presence', 'ping', 'pong', 'error', 'pub', 'gap', 'join', 'leave', 'refresh_required',
];

/** The top-level `{…}` values of a text, found by brace depth outside strings. */
function objects(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === '{' && depth++ === 0) start = i;
    else if (ch === '}' && --depth === 0) out.push(text.slice(start, i + 1));
  }
  return out;
}

const jsonBlocks = [...DOC.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => m[1]!);
const examples = jsonBlocks.flatMap(objects).map((text) => JSON.parse(text) as Record<string, unknown>);

it('PROTOCOL.md: every ```json block is valid JSON, and every frame type of §4 has an example', () => {
  assert.ok(jsonBlocks.length > 10);
  for (const block of jsonBlocks) assert.ok(objects(block).length > 0, block);
  const shown = new Set(examples.map((e) => e.type));
  // Inline examples count too (`{"type":"ping"}` in §13, `refresh_required` in §3).
  for (const m of DOC.matchAll(/\{"type":"([a-z_]+)"/g)) shown.add(m[1]);
  assert.deepEqual(FRAME_TYPES.filter((t) => !shown.has(t)), [], 'frame types without an example');
});

it('PROTOCOL.md §17: the delta example rebuilds the publication the text names', () => {
  const section = DOC.slice(DOC.indexOf('## 17.'), DOC.indexOf('## 18.'));
  const frames = objects(section.slice(section.indexOf('```json'))).map((t) => JSON.parse(t) as { publications?: { json: string }[]; delta?: string });
  const base = frames.find((f) => f.publications)!.publications![0]!.json;
  const delta = frames.find((f) => typeof f.delta === 'string')!.delta!;
  const rebuilt = new TextDecoder().decode(applyDelta(new TextEncoder().encode(base), new TextEncoder().encode(delta)));
  assert.ok(section.includes(`\`${rebuilt}\``), `the prose names ${rebuilt}`);
  assert.equal(JSON.parse(rebuilt).t, 1246);
});
