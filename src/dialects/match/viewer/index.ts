/**
 * The match viewer (plain HTML/CSS/JS, no build step): a renderer client of the match stream,
 * served by the match dialect at `GET /` (it connects back to `/v1/match/<id>` on the same host).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { loadAssets, type Asset } from '../../../web/assets.js';
import { serveAsset } from '../../../web/serve.js';

/** The viewer loads only its own files and opens a WebSocket to its own host (ws: or wss:). */
export const MATCH_VIEWER_CSP =
  "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self' ws: wss:; frame-ancestors 'none'";

/** The viewer's files, path → asset (`/` is index.html). Read from disk on each call: call once at start-up. */
export function matchViewerAssets(): Map<string, { type: string; body: Buffer }> {
  return loadAssets(import.meta.dirname, ['index.html', 'viewer.js', 'events.js', 'pitch.js', 'scene.js', 'style.css']) as Map<string, Asset>;
}

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * HTTP routes serving the viewer, for the match listener's route table. `/` gives the page to a
 * browser (`Accept: text/html`) and `root` (the dialect's JSON descriptor, notes §1.3 "GET / returns
 * a descriptor") to everything else, so API clients of the original server see no change.
 */
export function matchViewerRoutes(root?: RouteHandler): Map<string, RouteHandler> {
  const routes = new Map<string, RouteHandler>();
  for (const [path, asset] of matchViewerAssets()) {
    const page: RouteHandler = (req, res) => serveAsset(req, res, asset, MATCH_VIEWER_CSP);
    routes.set(path, path === '/' && root ? (req, res) => (wantsHtml(req) ? page(req, res) : root(req, res)) : page);
  }
  return routes;
}

function wantsHtml(req: IncomingMessage): boolean {
  return /\btext\/html\b/.test(req.headers.accept ?? '');
}
