/** The operator dashboard (plain HTML/CSS/JS, no build step), served by the operator listener at `/`. */
import { loadAssets, type Asset } from '../assets.js';

/** The dashboard's files, path → asset (`/` is index.html). Read from disk on each call: call once at start-up. */
export function dashboardAssets(): Map<string, Asset> {
  return loadAssets(import.meta.dirname, ['index.html', 'app.js', 'sparkline.js', 'style.css']);
}
