/** The only file that lists every dialect: name → factory. */
export { createMatchDialect, type MatchDialect } from './match/index.js';
export { createNovaDialect, type NovaDialect } from './nova/index.js';
export { createRelayDialect, type RelayDialect } from './relay/index.js';
export { createSpectraDialect, type SpectraDialect } from './spectra/index.js';
export { createElstatDialect, type ElstatDialect } from './elstat/index.js';

export const DIALECT_NAMES = ['match', 'nova', 'relay', 'spectra', 'elstat'] as const;
export type DialectName = (typeof DIALECT_NAMES)[number];
