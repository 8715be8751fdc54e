/**
 * Which TLS spectra's three listeners serve (seed 003 §SSL/TLS): `INSECURE=true` plain; its own
 * `SERVER_KEY`/`SERVER_CERT` when both are set; otherwise the server-wide `server.tls`.
 */
import { readFile } from 'node:fs/promises';
import type { Config } from '../../config/index.js';
import { ErrorCode, StreamHubError } from '../../errors.js';
import type { ListenerSettings } from '../types.js';

/** Reads the key and certificate files when spectra has its own; throws ERR_CONFIG when `INSECURE=false` finds no TLS at all. */
export async function tlsSettings(options: Config['spectra'], serverTls: ListenerSettings['tls']): Promise<ListenerSettings['tls']> {
  if (options.insecure === true) return null;
  if (options.serverKeyFile && options.serverCertFile) {
    const [key, cert] = await Promise.all([readFile(options.serverKeyFile), readFile(options.serverCertFile)]);
    return { key, cert };
  }
  if (options.insecure === false && !serverTls) {
    throw new StreamHubError(ErrorCode.config, 'spectra: INSECURE=false needs SERVER_KEY and SERVER_CERT (seed 003 §SSL/TLS)');
  }
  return serverTls;
}
