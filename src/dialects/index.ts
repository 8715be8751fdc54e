/**
 * The one list of dialects (issue 16, DESIGN.md): config, server, demos, CLI, banner, docs and
 * tests iterate over it. Adding a dialect is one folder under src/dialects/ plus one line here.
 */
import { elstatModule } from './elstat/module.js';
import { matchModule } from './match/module.js';
import { novaModule } from './nova/module.js';
import { relayModule } from './relay/module.js';
import { spectraModule } from './spectra/module.js';
import { streamhubModule } from './streamhub/module.js';
import type { DialectModule } from './types.js';

export const DIALECT_MODULES = [matchModule, novaModule, relayModule, spectraModule, elstatModule, streamhubModule] as const;

/** Any module, for code that takes a list (tests add a test-only dialect to it). */
export type AnyDialectModule = DialectModule<string, any, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
