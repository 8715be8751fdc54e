/** The dialect contract suite (dialect.contract.ts) on the match dialect. */
import { matchAdapter } from './adapters/match.js';
import { dialectContract } from './dialect.contract.js';

dialectContract(matchAdapter);
