/**
 * Nova's one listener (PROTOCOL.md §1, §7): viewer upgrades on `/api/v1/streams/<id>/ws`, and the
 * stream control HTTP API (plus the demo token route) on the same port.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Config } from '../../config/index.js';
import type { Logger } from '../../core/index.js';
import { createHttpListener, type HttpListener } from '../../net/http-listener.js';
import { RequestBudget } from '../../net/request-budget.js';
import type { DialectContext } from '../types.js';
import type { NovaTokenVerifier } from './auth.js';
import { ErrorCodes } from './codec.js';
import type { NovaControl } from './control.js';
import { createControlHandler } from './control-http.js';

export interface NovaListenerDeps {
  readonly ctx: DialectContext;
  readonly options: Config['nova'];
  readonly log: Logger;
  readonly control: NovaControl;
  readonly verifier: NovaTokenVerifier;
  readonly onUpgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
}

export function createNovaListener({ ctx, options, log, control, verifier, onUpgrade }: NovaListenerDeps): HttpListener {
  return createHttpListener({
    name: 'ws',
    port: options.port,
    settings: ctx.listener,
    onUpgrade,
    // Issue 15 item 7: a refused upgrade is a 1006 (wasClean false) to the browser, which the example client retries.
    connectionRate: ctx.listener.connectionRate,
    rateLimitedBody: { error_code: ErrorCodes.rateLimited, error_message: 'too many new connections on this node, retry later' },
    onRequest: createControlHandler({
      control,
      controlToken: options.controlToken,
      maxBodyBytes: options.controlMaxBodyBytes,
      jsonBounds: ctx.listener.jsonBounds,
      log,
      demoToken: (viewerId) => verifier.mintDemoToken(viewerId, ctx.clock.now()),
      demoStreamId: options.demo.streamId,
      budget: new RequestBudget(options.controlInflight, ctx.clock),
    }),
  });
}
