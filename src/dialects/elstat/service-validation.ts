/** Checks the services given in `elstat.services` or to `addServices` (PROTOCOL.md "Prober configuration"). */
import type { Logger } from '../../core/index.js';
import { StreamHubError } from '../../errors.js';
import { elstatServiceSchema, type ElstatService, type ElstatServiceInput } from './config.js';

/**
 * The services to add, with their defaults; throws StreamHubError ERR_CONFIG, returning none, on an
 * invalid service or a name given twice. `isConfigured`: the prober already has a service of that name.
 */
export function validateServices(services: readonly ElstatServiceInput[], isConfigured: (name: string) => boolean, log: Logger): ElstatService[] {
  const out: ElstatService[] = [];
  const names = new Set<string>();
  for (const input of services) {
    const parsed = elstatServiceSchema.safeParse(input);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      throw new StreamHubError('ERR_CONFIG', `elstat service ${JSON.stringify((input as { name?: unknown }).name)}: ${problems}`);
    }
    if (names.has(parsed.data.name)) throw new StreamHubError('ERR_CONFIG', `elstat service ${parsed.data.name} is given twice`);
    names.add(parsed.data.name);
    // A configured service wins over one added later (e.g. the demo services of `npm start`).
    if (isConfigured(parsed.data.name)) log.warn({ service: parsed.data.name }, 'elstat service already configured; the added one is ignored');
    else out.push(parsed.data);
  }
  return out;
}
