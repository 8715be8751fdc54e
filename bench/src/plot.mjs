/**
 * Latency versus rate (issue #8 "a latency-versus-rate plot"): one SVG, one panel per subscriber
 * count, p99 publish→receive latency (log scale) against delivered messages/s (log scale) for
 * every step of every run, one colour per server. No dependencies: plain SVG text.
 */
const COLOURS = { streamhub: '#d62728', 'streamhub-protocol': '#ff7f0e', floor: '#000000', nchan: '#1f77b4', socketio: '#2ca02c', ws: '#9467bd' };
const LABELS = { streamhub: 'StreamHub', 'streamhub-protocol': 'StreamHub (own)', floor: 'C floor', nchan: 'nginx + nchan', socketio: 'Socket.IO', ws: 'naive ws' };

const esc = (s) => String(s).replace(/[<>&]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;' })[c]);

export function renderPlot(results) {
  // one panel per scenario and subscriber count (S1 at 1k, 5k, … ; S2)
  const size = results.meta.opts.size;
  const sc = (r) => r.scenario ?? `S1 ${size} B`;
  const ns = [...new Set(results.fanout.map((r) => `${sc(r)}|${r.n}`))].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const W = 520;
  const H = 360;
  const pad = { l: 60, r: 20, t: 30, b: 50 };
  // at most 3 panels per row, the legend under the last row
  const cols = Math.min(3, Math.max(1, ns.length));
  const rowsN = Math.max(1, Math.ceil(ns.length / cols));
  const width = W * cols;
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${rowsN * H + 30}" font-family="sans-serif" font-size="11">`];
  parts.push(`<rect width="100%" height="100%" fill="white"/>`);
  const bound = results.meta.opts.maxP99Ms;
  ns.forEach((n, i) => {
    const steps = results.fanout.filter((r) => `${sc(r)}|${r.n}` === n).flatMap((r) => r.steps.map((s) => ({ ...s, server: r.server })));
    const xs = steps.map((s) => s.targetDelivered).filter((x) => x > 0);
    const ys = steps.map((s) => Math.max(0.05, s.p99Ms));
    if (xs.length === 0) return;
    const x0 = Math.log10(Math.min(...xs) / 1.2);
    const x1 = Math.log10(Math.max(...xs) * 1.2);
    const y0 = Math.log10(0.05);
    const y1 = Math.log10(Math.max(bound * 4, ...ys));
    const ox = (i % cols) * W;
    const oy = Math.floor(i / cols) * H;
    const px = (x) => ox + pad.l + ((Math.log10(x) - x0) / (x1 - x0)) * (W - pad.l - pad.r);
    const py = (y) => oy + pad.t + (1 - (Math.log10(Math.max(0.05, y)) - y0) / (y1 - y0)) * (H - pad.t - pad.b);
    parts.push(`<text x="${ox + W / 2}" y="${oy + 18}" text-anchor="middle" font-size="13">${esc(n.split('|')[0])}, ${Number(n.split('|')[1]).toLocaleString('en-US')} subscribers: p99 vs delivered msg/s</text>`);
    parts.push(`<rect x="${ox + pad.l}" y="${oy + pad.t}" width="${W - pad.l - pad.r}" height="${H - pad.t - pad.b}" fill="none" stroke="#999"/>`);
    for (let e = Math.ceil(x0); e <= Math.floor(x1); e++) {
      const x = px(10 ** e);
      parts.push(`<line x1="${x}" x2="${x}" y1="${oy + pad.t}" y2="${oy + H - pad.b}" stroke="#eee"/><text x="${x}" y="${oy + H - pad.b + 14}" text-anchor="middle">${(10 ** e).toLocaleString('en-US')}</text>`);
    }
    for (const y of [0.1, 1, 10, 100, 1000, 10000].filter((v) => Math.log10(v) >= y0 && Math.log10(v) <= y1)) {
      parts.push(`<line x1="${ox + pad.l}" x2="${ox + W - pad.r}" y1="${py(y)}" y2="${py(y)}" stroke="#eee"/><text x="${ox + pad.l - 4}" y="${py(y) + 4}" text-anchor="end">${y} ms</text>`);
    }
    parts.push(`<line x1="${ox + pad.l}" x2="${ox + W - pad.r}" y1="${py(bound)}" y2="${py(bound)}" stroke="#000" stroke-dasharray="4 3"/><text x="${ox + W - pad.r - 2}" y="${py(bound) - 3}" text-anchor="end">${bound} ms bound</text>`);
    parts.push(`<text x="${ox + W / 2}" y="${oy + H - 12}" text-anchor="middle">delivered messages/s (step target; hollow = failed step)</text>`);
    for (const s of steps) {
      if (!(s.targetDelivered > 0)) continue;
      const c = COLOURS[s.server] ?? '#333';
      parts.push(`<circle cx="${px(s.targetDelivered).toFixed(1)}" cy="${py(s.p99Ms).toFixed(1)}" r="3.5" ${s.pass ? `fill="${c}"` : `fill="none" stroke="${c}"`}/>`);
    }
  });
  // the legend names only the servers of this run (six labels would not fit one panel's width)
  const present = new Set(results.fanout.map((r) => r.server));
  Object.entries(LABELS).filter(([k]) => present.has(k)).forEach(([k, label], j) => {
    parts.push(`<circle cx="${pad.l + j * 130}" cy="${rowsN * H + 12}" r="4" fill="${COLOURS[k]}"/><text x="${pad.l + j * 130 + 8}" y="${rowsN * H + 16}">${esc(label)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}
