/**
 * Duplicate keys in raw JSON text. JSON.parse keeps the last of two equal keys without a word, so a
 * log line with `"mod":"a","mod":"b"` parses fine and only a scan of the raw text shows the fault.
 */

/** Every key that occurs a second time in the same object, at any depth, in order of occurrence. */
export function duplicateKeys(json: string): string[] {
  const duplicates: string[] = [];
  const open: (Set<string> | null)[] = []; // one entry per open container: an object's keys, or null for an array
  for (let i = 0; i < json.length; i += 1) {
    const c = json[i];
    if (c === '{') open.push(new Set());
    else if (c === '[') open.push(null);
    else if (c === '}' || c === ']') open.pop();
    else if (c === '"') {
      let end = i + 1;
      while (json[end] !== '"') end += json[end] === '\\' ? 2 : 1;
      let next = end + 1;
      while (json[next] === ' ' || json[next] === '\n' || json[next] === '\t' || json[next] === '\r') next += 1;
      const keys = open.at(-1);
      if (json[next] === ':' && keys) {
        const key = JSON.parse(json.slice(i, end + 1)) as string;
        if (keys.has(key)) duplicates.push(key);
        keys.add(key);
      }
      i = end;
    }
  }
  return duplicates;
}
