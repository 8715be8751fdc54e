/** What spectra warns about when it starts listening: settings that expose it, said once in the log. */
import type { Config } from '../../config/index.js';
import type { ListenerSettings } from '../types.js';
import { insecureWarning } from './insecure-warning.js';
import { isWildcard } from './socket-options.js';

export function startupWarnings(options: Config['spectra'], server: ListenerSettings): string[] {
  const warnings: string[] = [];
  const tlsOff = insecureWarning({
    insecure: options.insecure,
    serverTls: Boolean(server.tls),
    spectraCertificates: Boolean(options.serverKeyFile && options.serverCertFile),
  });
  if (tlsOff !== null) warnings.push(tlsOff);
  if (isWildcard(options.corsOrigin) && !options.development) {
    warnings.push('spectra: CORS origin is "*": any web page may connect; set STREAMHUB_SPECTRA_CORS_ORIGIN in production (seed 003 §CORS)');
  }
  return warnings;
}
