/** The CLI's HTTP client: node:http(s) so a test CA (`--ca`) or `--insecure` applies; bounded response size. */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { CliError, Exit } from './args.js';
import type { Target } from './target.js';

/** Largest response the CLI reads (status of a busy node is far below this). */
const MAX_RESPONSE_BYTES = 32 * 1024 * 1024;
const TIMEOUT_MS = 10_000;

export interface JsonResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: unknown;
}

export function requestJson(target: Target, method: 'GET' | 'POST', path: string, body?: Buffer): Promise<JsonResponse> {
  const url = new URL(path, `${target.operatorUrl}/`);
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const headers: Record<string, string | number> = { accept: 'application/json' };
  if (target.token) headers.authorization = `Bearer ${target.token}`;
  if (body) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = body.length;
  }
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, timeout: TIMEOUT_MS, ...target.tls }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_RESPONSE_BYTES) req.destroy(new CliError('response too large', Exit.failure));
        else chunks.push(chunk);
      });
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown = text;
        try {
          parsed = JSON.parse(text);
        } catch {
          // Not JSON (a proxy's error page): keep the text for the message.
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new CliError(`no answer within ${TIMEOUT_MS} ms`, Exit.failure)));
    req.on('error', (err) => reject(new CliError(`cannot reach ${url.origin}: ${(err as Error).message}`, Exit.failure)));
    req.end(body);
  });
}

/** Turns a non-2xx answer into a CliError with the right exit code and the server's own message. */
export function failOn(res: JsonResponse, what: string): void {
  if (res.status >= 200 && res.status < 300) return;
  const b = res.body as { error?: string; message?: string } | string;
  const detail = typeof b === 'string' ? b.slice(0, 200) : [b?.error, b?.message].filter(Boolean).join(': ');
  if (res.status === 401) throw new CliError(`${what}: unauthorized: the operator token was refused (--token or STREAMHUB_OPERATOR_TOKEN)`, Exit.auth);
  if (res.status === 503 && typeof b === 'object' && b?.error === 'admin_disabled') {
    throw new CliError(`${what}: the admin API is disabled on the server (set operator.adminToken / STREAMHUB_OPERATOR_TOKEN there)`, Exit.auth);
  }
  if (res.status === 404) throw new CliError(`${what}: not found${detail ? ` (${detail})` : ''}`, Exit.notFound);
  throw new CliError(`${what}: HTTP ${res.status}${detail ? ` ${detail}` : ''}`, Exit.failure);
}
