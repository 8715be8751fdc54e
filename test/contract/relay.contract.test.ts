/** The dialect contract suite (dialect.contract.ts) on the relay dialect. */
import { relayAdapter } from './adapters/relay.js';
import { dialectContract } from './dialect.contract.js';

dialectContract(relayAdapter);
