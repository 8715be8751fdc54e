/**
 * `INSECURE=true` with TLS configured (issue 20 item 4). Seed 003 §SSL/TLS defines `INSECURE=true`
 * as "serve plain HTTP/WS", and DESIGN.md's interface contract honours the seed's env names as
 * written, so the setting wins over `server.tls` and `SERVER_KEY`/`SERVER_CERT`. We warn rather than
 * refuse to start: a legitimate deployment terminates TLS for spectra in a proxy in front of
 * StreamHub while the other dialects use `server.tls`, and refusing would make the seed's setting
 * unusable there. The warning names the consequence, so the downgrade is never silent.
 */

export interface InsecureInputs {
  /** `spectra.insecure` (`INSECURE`): null = follow the server-wide TLS setting. */
  readonly insecure: boolean | null;
  /** `server.tls` is set. */
  readonly serverTls: boolean;
  /** `SERVER_KEY` and `SERVER_CERT` are both set. */
  readonly spectraCertificates: boolean;
}

/** The start-up warning, or null when TLS is not being turned off against the configuration. */
export function insecureWarning(inputs: InsecureInputs): string | null {
  if (inputs.insecure !== true || (!inputs.serverTls && !inputs.spectraCertificates)) return null;
  const what = inputs.serverTls ? 'server.tls is set' : 'SERVER_KEY/SERVER_CERT are set';
  return (
    `spectra: INSECURE=true serves ingest, output and status over plain HTTP/WS although ${what}: ` +
    'observer AUTH_KEYs, group secrets and match data travel in cleartext; unset INSECURE unless TLS is terminated in front of StreamHub'
  );
}
