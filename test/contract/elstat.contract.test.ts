/** The dialect contract suite (dialect.contract.ts) on the elstat dialect. */
import { elstatAdapter } from './adapters/elstat.js';
import { dialectContract } from './dialect.contract.js';

dialectContract(elstatAdapter);
