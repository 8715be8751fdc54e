/** Bounded request-body reading for the operator listener. */
import type { IncomingMessage } from 'node:http';

/**
 * Reads a request body up to `maxBytes`. Past the bound it stops buffering at once and rejects
 * with `status: 413`; the rest of the body is discarded without being kept, so the caller can
 * still answer 413 (with `Connection: close`) instead of cutting the socket mid-request.
 */
export function readBounded(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > maxBytes) {
        over = true;
        chunks.length = 0;
        reject(Object.assign(new Error(`the body is limited to ${maxBytes} bytes`), { status: 413 }));
        return;
      }
      chunks.push(chunk);
    });
    req.once('end', () => {
      if (!over) resolve(Buffer.concat(chunks));
    });
    req.once('error', (err) => {
      if (!over) reject(err);
    });
  });
}
