/** The dialect contract suite (dialect.contract.ts) on the nova dialect. */
import { novaAdapter } from './adapters/nova.js';
import { dialectContract } from './dialect.contract.js';

dialectContract(novaAdapter);
