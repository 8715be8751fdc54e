/**
 * The dialect contract suite on the test-only echo dialect (echo-dialect/). Adding it took its
 * folder and the one line below that registers it beside the registry's dialects.
 */
import { DIALECT_MODULES } from '../../src/dialects/index.js';
import { echoAdapter } from './adapters/echo.js';
import { dialectContract } from './dialect.contract.js';
import { echoModule } from './echo-dialect/module.js';

dialectContract({ ...echoAdapter, modules: [...DIALECT_MODULES, echoModule] });
