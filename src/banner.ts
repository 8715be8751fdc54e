/**
 * The start-up banner `npm start` prints on a terminal (issue 14): what runs and what to open,
 * with the ports the listeners actually bound (a setting of 0 binds a free port), so a person
 * need not read JSON log lines to find the dashboard. Pure: config and bound addresses in, text out.
 */
import type { Config } from './config/index.js';
import { DEMO_NOVA_STREAM, DEMO_SPECTRA_GROUP } from './demos.js';
import type { ListenerAddress } from './dialects/types.js';
import { DEMO_MATCH_IDS } from './producers/match/index.js';

export interface BannerInput {
  readonly config: Config;
  readonly addresses: Readonly<Record<string, readonly ListenerAddress[]>>;
  readonly broker: string;
}

/** The host to put in a URL: a wildcard bind is reached as localhost; IPv6 literals take brackets. */
function urlHost(bind: string): string {
  if (bind === '0.0.0.0' || bind === '::' || bind === '') return 'localhost';
  return bind.includes(':') ? `[${bind}]` : bind;
}

export function renderBanner({ config, addresses, broker }: BannerInput): string {
  const host = urlHost(config.server.host);
  const http = config.server.tls ? 'https' : 'http';
  const ws = config.server.tls ? 'wss' : 'ws';
  const port = (dialect: string, name?: string) => addresses[dialect]?.find((a) => name === undefined || a.name === name)?.port;
  const demo = config.server.demo;
  const rows: [string, string][] = [];
  const add = (label: string, value: string | null) => value !== null && rows.push([label, value]);

  const operator = port('operator');
  if (operator !== undefined) {
    add('Dashboard', `${http}://${host}:${operator}/`);
    add('Metrics', `${http}://${host}:${operator}/metrics`);
  }
  const match = port('match');
  if (match !== undefined) {
    add('Match viewer', `${http}://${host}:${match}/?match=${demo ? DEMO_MATCH_IDS.statsbomb : '<match_id>'}`);
    add('Match stream', `${ws}://${host}:${match}/v1/match/<match_id>`);
  }
  const elstat = port('elstat');
  if (elstat !== undefined) add('Status page', `${http}://${host}:${elstat}/`);
  const nova = port('nova');
  if (nova !== undefined) {
    add('Nova viewers', `${ws}://${host}:${nova}/api/v1/streams/<stream_id>/ws?token=<JWT>`);
    // Demo auth: demos on and no JWT secret or key configured (server.ts, src/dialects/nova/auth.ts).
    const demoAuth = demo && config.nova.demo.enabled && config.nova.jwt.secret === null && config.nova.jwt.publicKey === null;
    if (demoAuth) add('Nova demo token', `curl ${http}://${host}:${nova}/api/v1/demo/token`);
  }
  const relay = port('relay');
  if (relay !== undefined) add('Relay', `${ws}://${host}:${relay}/<channel>/<key>/<publish|receive|probe>`);
  const output = port('spectra', 'output');
  if (output !== undefined) {
    add('Spectra', `Socket.IO ingest :${port('spectra', 'ingest') ?? '-'}, overlays :${output}, ${http}://${host}:${port('spectra', 'status') ?? '-'}/status`);
  }

  const width = Math.max(...rows.map(([label]) => label.length));
  const lines = [
    `StreamHub is running (${broker} broker${demo ? ', demo producers on' : ''}). Ctrl-C stops it.`,
    '',
    ...rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`),
  ];
  if (demo) {
    lines.push(
      '',
      `Demo ids: match ${DEMO_MATCH_IDS.mock} and ${DEMO_MATCH_IDS.statsbomb}; nova stream ${DEMO_NOVA_STREAM};`,
      `          spectra group ${DEMO_SPECTRA_GROUP}; elstat services match, nova, relay, spectra.`,
    );
  }
  lines.push('', 'Logs follow. STREAMHUB_LOG_FORMAT=json prints JSON lines instead.', '');
  return lines.join('\n') + '\n';
}
