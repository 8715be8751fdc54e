/** The dialect contract suite (dialect.contract.ts) on StreamHub's own protocol (dialect `streamhub`). */
import { streamhubAdapter } from './adapters/streamhub.js';
import { dialectContract } from './dialect.contract.js';

dialectContract(streamhubAdapter);
