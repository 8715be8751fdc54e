/** The start-up warning when viewers are not checked against a configured key (PROTOCOL.md §8 "Demo"). */
import type { Logger } from '../../core/index.js';
import type { AuthMode } from './auth.js';

export function warnAboutAuthMode(log: Logger, mode: AuthMode, port: number): void {
  if (mode === 'demo') {
    // The token itself is never logged: the user fetches one from the demo route (PROTOCOL.md "Demo").
    log.warn({ port }, `nova: DEMO AUTH active (no NOVA_JWT_SECRET / NOVA_JWT_PUBLIC_KEY); get a viewer token with: curl http://localhost:${port}/api/v1/demo/token`);
  } else if (mode === 'none') {
    log.warn({ port }, 'nova: no NOVA_JWT_SECRET or NOVA_JWT_PUBLIC_KEY configured; every viewer will be refused (401)');
  }
}
