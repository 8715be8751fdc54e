/** `streamhub status`: the operator admin API (`GET /api/status`), human-readable. */
import type { ParsedArgs } from './args.js';
import { failOn, requestJson } from './http.js';
import type { Target } from './target.js';

interface StatusBody {
  ok: boolean;
  uptime_ms: number;
  broker: { name: string; ok: boolean; detail: string };
  hub: { subscribers: number; queued_messages: number; dropped_messages: number; stall_closes: number; overflow_closes: number };
  channels: { name: string; subscribers: number; messagesIn: number; messagesSent: number }[];
  dialects: Record<string, Record<string, unknown>>;
}

/** Channels listed in the human-readable view. */
const TOP_CHANNELS = 15;

export async function status(args: ParsedArgs, target: Target, out: (line: string) => void): Promise<boolean> {
  const res = await requestJson(target, 'GET', '/api/status');
  failOn(res, 'status');
  const body = res.body as StatusBody;
  if (args.flags.has('json')) {
    out(JSON.stringify(body, null, 2));
    return body.ok;
  }
  out(`StreamHub at ${target.operatorUrl}: ${body.ok ? 'OK' : 'DEGRADED'}, up ${uptime(body.uptime_ms)}`);
  out(`broker      ${body.broker.name} (${body.broker.ok ? 'healthy' : 'DOWN'}${body.broker.detail ? `: ${body.broker.detail}` : ''})`);
  out(`subscribers ${body.hub.subscribers}   queued ${body.hub.queued_messages}   dropped ${body.hub.dropped_messages}   slow-consumer closes ${body.hub.stall_closes + body.hub.overflow_closes}`);
  out('');
  out(table(['dialect', 'connections', 'details'], Object.entries(body.dialects).map(([name, stats]) => [name, String(stats.connections ?? 0), details(stats)])));
  out('');
  const channels = [...body.channels].sort((a, b) => b.subscribers - a.subscribers).slice(0, TOP_CHANNELS);
  if (channels.length === 0) out('no channel has a subscriber on this node');
  else {
    out(table(['channel', 'subscribers', 'in', 'sent'], channels.map((c) => [c.name, String(c.subscribers), String(c.messagesIn), String(c.messagesSent)])));
    if (body.channels.length > channels.length) out(`… and ${body.channels.length - channels.length} more channels (--json lists all)`);
  }
  return body.ok;
}

function uptime(ms: number): string {
  const s = Math.floor(ms / 1000);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  return d ? `${d}d ${h}h` : h ? `${h}h ${m}m` : m ? `${m}m ${s % 60}s` : `${s}s`;
}

/** The dialect's scalar numbers, `key=value`, except `connections` (it has its own column). */
function details(stats: Record<string, unknown>): string {
  return Object.entries(stats)
    .filter(([k, v]) => k !== 'connections' && (typeof v === 'number' || typeof v === 'boolean'))
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ');
}

function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(head), ...rows.map(line)].join('\n');
}
