/** Which upgrade on the match listener goes where (PROTOCOL.md §1, §3): producers on `/v1/ingest`, renderers on `/v1/match/<match_id>`. */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { rejectUpgrade } from '../../net/http-reply.js';
import * as codec from './codec.js';
import type { IngestEndpoint } from './ingest-endpoint.js';
import { socketOnError, type MatchRenderers } from './renderers.js';

export function matchUpgradeHandler(renderers: MatchRenderers, ingest: IngestEndpoint): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  return (req, socket, head) => {
    socket.on('error', socketOnError);
    if (renderers.closing) return rejectUpgrade(socket, 503, { error: 'shutting_down' });
    if (codec.pathOf(req.url) === codec.INGEST_PATH) return ingest.handleUpgrade(req, socket, head);
    const matchId = codec.parseMatchPath(req.url);
    // notes §1.3: a path that fails the regex gets a raw 404 before the upgrade.
    if (matchId === null) return rejectUpgrade(socket, 404);
    renderers.upgrade(req, socket, head, matchId);
  };
}
