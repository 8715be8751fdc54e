/**
 * Static page assets (no build step): read once from disk into memory, so serving them is a map
 * lookup and no request path ever reaches the file system (no traversal, no stat per request).
 */
import { readFileSync } from 'node:fs';
import { extname, join } from 'node:path';

/** One static file, ready to send. */
export interface Asset {
  /** The Content-Type header value. */
  readonly type: string;
  readonly body: Buffer;
}

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/**
 * Loads `files` from `dir` into a path → asset map: each file under `/<name>`, and `index.html`
 * also under `/`. Throws at start-up when a file is missing (a broken install, not a request error).
 */
export function loadAssets(dir: string, files: readonly string[]): Map<string, Asset> {
  const out = new Map<string, Asset>();
  for (const name of files) {
    const asset: Asset = { type: TYPES[extname(name)] ?? 'application/octet-stream', body: readFileSync(join(dir, name)) };
    out.set(`/${name}`, asset);
    if (name === 'index.html') out.set('/', asset);
  }
  return out;
}
