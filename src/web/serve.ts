/** Sends one in-memory static asset (see assets.ts) with safe headers. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Asset } from './assets.js';

/**
 * Answers GET/HEAD with the asset. `no-cache` so a redeploy is picked up at once (the files are
 * small); `nosniff` and the page's Content-Security-Policy so nothing but its own files runs.
 */
export function serveAsset(req: IncomingMessage, res: ServerResponse, asset: Asset, csp: string): void {
  res.writeHead(200, {
    'content-type': asset.type,
    'content-length': asset.body.length,
    'cache-control': 'no-cache',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'content-security-policy': csp,
  });
  res.end(req.method === 'HEAD' ? undefined : asset.body);
}
