/**
 * @module Raw HTTP I/O for the mock's listeners: read the body as exact bytes under a size limit, read headers the
 * way RFC 9421 sees them, and write a response while keeping what was written for the recording.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Result of {@link readBody}: the exact bytes, or why there are none. */
export type BodyResult =
  | { readonly ok: true; readonly body: Buffer }
  | { readonly ok: false; readonly reason: 'too-large' | 'aborted'; readonly receivedBytes: number };

/**
 * Reads the whole request body as raw bytes (Content-Digest is computed over them, RFC 9530 §2).
 * A declared `Content-Length` above `limitBytes` fails at once without reading; a body that grows beyond the limit
 * stops being read. Resolves, never rejects: a client error is a result, not an exception.
 */
export function readBody(req: IncomingMessage, limitBytes: number): Promise<BodyResult> {
  const declared = Number(req.headers['content-length'] ?? '0');
  if (Number.isFinite(declared) && declared > limitBytes) {
    return Promise.resolve({ ok: false, reason: 'too-large', receivedBytes: 0 });
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (result: BodyResult): void => {
      if (settled) return;
      settled = true;
      req.off('data', onData);
      resolve(result);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limitBytes) {
        settle({ ok: false, reason: 'too-large', receivedBytes: size });
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => settle({ ok: true, body: chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size) }));
    req.once('aborted', () => settle({ ok: false, reason: 'aborted', receivedBytes: size }));
    req.once('error', () => settle({ ok: false, reason: 'aborted', receivedBytes: size }));
    req.once('close', () => settle({ ok: false, reason: 'aborted', receivedBytes: size }));
  });
}

/**
 * Request headers as RFC 9421 §2.1 combines them: lower-case names, repeated fields joined with `, ` in order
 * (Node's `req.headers` would drop duplicates of some fields).
 */
export function collectHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  const distinct = req.headersDistinct;
  for (const name of Object.keys(distinct)) {
    const values = distinct[name];
    if (values !== undefined) out[name] = values.join(', ');
  }
  return out;
}

/** What was written, for the recording. Header names are lower-case. */
export interface WrittenResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

const EMPTY = Buffer.alloc(0);

/**
 * Writes a complete response: status, headers (lower-case names), `content-length`, body. A `304` or `204` carries
 * no body whatever `body` holds (RFC 9110 §15.3.5, §15.4.5). Returns what was written.
 */
export function writeResponse(
  res: ServerResponse,
  status: number,
  headers: Record<string, string>,
  body: Buffer,
): WrittenResponse {
  const noBody = status === 304 || status === 204;
  const sent = noBody ? EMPTY : body;
  // Object.assign, not spread: spreading into a fresh literal is measurably slower on Node 20's hot path.
  const all: Record<string, string> = Object.assign({}, headers);
  if (noBody) delete all['content-type'];
  else all['content-length'] = String(sent.length);
  if (!res.headersSent) res.writeHead(status, all);
  // An empty body goes through `end()` alone: `end(emptyBuffer)` takes Node's two-chunk write path.
  if (sent.length === 0) res.end();
  else res.end(sent);
  return { status, headers: all, body: sent };
}
