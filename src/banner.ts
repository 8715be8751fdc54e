/**
 * The start-up banner `npm start` prints on a terminal (issue 14): what runs and what to open,
 * with the ports the listeners actually bound (a setting of 0 binds a free port), so a person
 * need not read JSON log lines to find the dashboard. Pure: config and bound addresses in, text out.
 * Each dialect contributes its own rows and demo ids (`DialectModule.banner`, `demoIds`).
 */
import type { Config } from './config/index.js';
import { demoIdsPhrase } from './demos.js';
import { DIALECT_MODULES, type AnyDialectModule } from './dialects/index.js';
import type { ListenerAddress } from './dialects/types.js';

export interface BannerInput {
  readonly config: Config;
  readonly addresses: Readonly<Record<string, readonly ListenerAddress[]>>;
  readonly broker: string;
  /** Default: the registry. */
  readonly modules?: readonly AnyDialectModule[];
}

/** The host to put in a URL: a wildcard bind is reached as localhost; IPv6 literals take brackets. */
function urlHost(bind: string): string {
  if (bind === '0.0.0.0' || bind === '::' || bind === '') return 'localhost';
  return bind.includes(':') ? `[${bind}]` : bind;
}

/** Demo ids wrap at this width, continuation lines indented under the first. */
const DEMO_LINE_WIDTH = 108;

export function renderBanner({ config, addresses, broker, modules = DIALECT_MODULES }: BannerInput): string {
  const host = urlHost(config.server.host);
  const tls = config.server.tls !== null;
  const demo = config.server.demo;
  const sectionOf = (m: AnyDialectModule): unknown => (config as unknown as Record<string, unknown>)[m.name];
  const rows: (readonly [string, string])[] = [];

  const operator = addresses.operator?.[0]?.port;
  if (operator !== undefined) {
    rows.push(['Dashboard', `${tls ? 'https' : 'http'}://${host}:${operator}/`]);
    rows.push(['Metrics', `${tls ? 'https' : 'http'}://${host}:${operator}/metrics`]);
  }
  const running = modules.filter((m) => addresses[m.name] !== undefined);
  for (const m of running) rows.push(...(m.banner?.({ host, tls, addresses: addresses[m.name]!, demo }, sectionOf(m)) ?? []));

  const width = Math.max(...rows.map(([label]) => label.length));
  const lines = [
    `StreamHub is running (${broker} broker${demo ? ', demo producers on' : ''}). Ctrl-C stops it.`,
    '',
    ...rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`),
  ];
  const ids = demo ? demoIdsPhrase(running, sectionOf, running.map((m) => m.name)) : '';
  if (ids) lines.push('', ...wrap(`Demo ids: ${ids}.`, '          '));
  lines.push('', 'Logs follow. STREAMHUB_LOG_FORMAT=json prints JSON lines instead.', '');
  return lines.join('\n') + '\n';
}

/** Breaks `text` after `; ` separators so no line is wider than DEMO_LINE_WIDTH. */
function wrap(text: string, indent: string): string[] {
  const out: string[] = [];
  let line = '';
  for (const part of text.split(/(?<=; )/)) {
    if (line && (line + part).trimEnd().length > DEMO_LINE_WIDTH) {
      out.push(line.trimEnd());
      line = indent;
    }
    line += part;
  }
  if (line.trim()) out.push(line.trimEnd());
  return out;
}
