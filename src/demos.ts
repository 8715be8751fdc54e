/**
 * Demo producers that `npm start` runs on the embedded broker (DESIGN.md interface contract):
 * match `demo` and `fifa-wc-2022-final-arg-fra`, nova stream 550e8400-…, spectra group `DEMO`,
 * and elstat services `match`, `nova`, `relay`, `spectra` probing StreamHub's own listeners.
 */
import type { Config } from './config/index.js';
import type { Clock, Logger } from './core/index.js';
import type { ElstatDialect, MatchDialect, NovaDialect, SpectraDialect } from './dialects/index.js';
import type { Dialect, ListenerAddress } from './dialects/types.js';
import { DEMO_MATCH_IDS, replayStreamId, startMatchDemos } from './producers/match/index.js';
import { startNovaDemo } from './producers/nova/demo.js';
import { startSpectraDemo } from './producers/spectra/demo.js';

export const DEMO_NOVA_STREAM = '550e8400-e29b-41d4-a716-446655440000';
export const DEMO_SPECTRA_GROUP = 'DEMO';

export interface DemoWiring {
  readonly config: Config;
  readonly addresses: Readonly<Record<string, readonly ListenerAddress[]>>;
  readonly match: MatchDialect | undefined;
  readonly nova: Dialect | undefined;
  readonly elstat: ElstatDialect | undefined;
  readonly spectra: SpectraDialect | undefined;
  readonly dataDir: string;
  readonly clock: Clock;
  readonly log: Logger;
  readonly signal: AbortSignal;
}

export function startDemos(w: DemoWiring): void {
  const { config, addresses, signal } = w;
  const loopback = (port: number) => `127.0.0.1:${port}`;
  if (w.match) {
    const { speed, mock, statsbomb, statsbombDir, statsbombMatchId } = config.match.demo;
    startMatchDemos(w.match, { dataDir: w.dataDir, speed, mock, statsbomb, statsbombDir, statsbombMatchId, log: w.log.child({ mod: 'producers.match' }), clock: w.clock }, signal);
  }
  if (w.nova) startNovaDemo((w.nova as NovaDialect).control, { streamId: DEMO_NOVA_STREAM, clock: w.clock }, signal);
  const ingest = addresses.spectra?.find((a) => a.name === 'ingest');
  if (ingest && w.spectra) {
    // Spectra follows the server's TLS unless INSECURE says otherwise (seed 003).
    const tls = config.spectra.insecure === false || (config.spectra.insecure === null && config.server.tls !== null);
    const ingestUrl = `${tls ? 'https' : 'http'}://${loopback(ingest.port)}`;
    startSpectraDemo({ ingestUrl, groupCode: DEMO_SPECTRA_GROUP, authKey: w.spectra.producerKey }, signal);
  }
  if (w.elstat) {
    const services = (['match', 'nova', 'relay', 'spectra'] as const).flatMap((name) => {
      const first = addresses[name]?.[0];
      return first ? [{ name, description: `StreamHub ${name} listener`, adapter: 'tcp' as const, target: loopback(first.port) }] : [];
    });
    w.elstat.addServices(services);
  }
  const { mock, statsbomb } = config.match.demo;
  const matchIds = w.match ? [...(mock ? [DEMO_MATCH_IDS.mock] : []), ...(statsbomb ? [replayStreamId(config.match.demo)] : [])] : [];
  w.log.info({ match: matchIds, nova: DEMO_NOVA_STREAM, spectra: DEMO_SPECTRA_GROUP }, 'demo producers started');
}
