/** The dialect contract suite (dialect.contract.ts) on the spectra dialect (its overlay output). */
import { spectraAdapter } from './adapters/spectra.js';
import { dialectContract } from './dialect.contract.js';

dialectContract(spectraAdapter);
