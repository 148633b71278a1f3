/**
 * @module The traffic recorder: every exchange and every TLS handshake on the API listener, in arrival order,
 * as `core/traffic.ts` records that the `client` suite judges. Bodies are kept as exact bytes (base64) so a
 * suite can recompute Content-Digest and re-verify signatures.
 */
import { isUtf8 } from 'node:buffer';
import type { TLSSocket } from 'node:tls';
import type { TlsFacts } from '../core/check.js';
import type {
  RecordedExchange,
  RecordedHttpRequest,
  RecordedHttpResponse,
  RecordedTlsEvent,
  TrafficEntry,
} from '../core/traffic.js';
import type { WrittenResponse } from './http-io.js';

/** Default number of entries kept; older entries are dropped first (counted in `dropped`). */
export const DEFAULT_RECORD_LIMIT = 100_000;

/** Fields of an exchange the request handler fills in; the recorder adds `type`, `id`. */
export type ExchangeFields = Omit<RecordedExchange, 'type' | 'id'>;

/** Fields of a TLS event; the recorder adds `type`, `id`, `at`. */
export type TlsEventFields = Omit<RecordedTlsEvent, 'type' | 'id' | 'at'>;

/** Records traffic of one mock instance. */
export interface Recorder {
  /** Stable id of a connection (assigned on first sight). */
  connectionId(socket: object): number;
  /** TLS facts of a connection, read once and cached. */
  tlsFacts(socket: TLSSocket): TlsFacts;
  addExchange(fields: ExchangeFields): RecordedExchange;
  addTlsEvent(fields: TlsEventFields, atMs: number): RecordedTlsEvent;
  entries(): readonly TrafficEntry[];
  /** Entries dropped because of the limit. */
  dropped(): number;
  clear(): void;
}

/** Creates a recorder keeping at most `limit` entries (older ones are dropped and counted). */
export function createRecorder(limit = DEFAULT_RECORD_LIMIT): Recorder {
  const ids = new WeakMap<object, number>();
  const facts = new WeakMap<object, TlsFacts>();
  let entries: TrafficEntry[] = [];
  let nextEntryId = 1;
  let nextConnectionId = 1;
  let droppedCount = 0;
  // Once full, the oldest entries are dropped in batches of `slack`: dropping one per push would move the whole
  // array (up to `limit` entries) on every request. Readers always see at most `limit` entries.
  const slack = Math.max(64, Math.min(4096, Math.ceil(limit / 8)));
  const settle = (): void => {
    const excess = entries.length - limit;
    if (excess <= 0) return;
    entries.splice(0, excess);
    droppedCount += excess;
  };
  const push = <T extends TrafficEntry>(entry: T): T => {
    entries.push(entry);
    if (entries.length > limit + slack) settle();
    return entry;
  };
  return {
    connectionId(socket) {
      let id = ids.get(socket);
      if (id === undefined) {
        id = nextConnectionId++;
        ids.set(socket, id);
      }
      return id;
    },
    tlsFacts(socket) {
      let f = facts.get(socket);
      if (f === undefined) {
        const protocol = socket.getProtocol();
        const cipher = socket.getCipher()?.name;
        f = { ...(protocol === null ? {} : { protocol }), ...(cipher === undefined ? {} : { cipher }) };
        facts.set(socket, f);
      }
      return f;
    },
    addExchange(fields) {
      return push({ type: 'exchange', id: nextEntryId++, ...fields });
    },
    addTlsEvent(fields, atMs) {
      return push({ type: 'tls', id: nextEntryId++, at: new Date(atMs).toISOString(), ...fields });
    },
    entries() {
      settle();
      return entries;
    },
    dropped() {
      settle();
      return droppedCount;
    },
    clear() {
      entries = [];
    },
  };
}

/** A request record from what the handler read. */
export function recordRequest(
  method: string,
  url: string,
  targetUri: string,
  headers: Record<string, string>,
  body: Buffer,
): RecordedHttpRequest {
  const utf8 = body.length > 0 && isUtf8(body);
  return {
    method,
    url,
    targetUri,
    headers,
    ...(utf8 ? { body: body.toString('utf8') } : {}),
    bodyBase64: body.toString('base64'),
    bodyBytes: body.length,
    bodyIsUtf8: body.length === 0 || utf8,
  };
}

/** A response record from what was written. Binary bodies (the bundle) are kept as base64 only. */
export function recordResponse(written: WrittenResponse): RecordedHttpResponse {
  const text = written.body.length > 0 && isUtf8(written.body) ? { body: written.body.toString('utf8') } : {};
  return {
    status: written.status,
    headers: written.headers,
    ...text,
    bodyBase64: written.body.toString('base64'),
    bodyBytes: written.body.length,
  };
}

/**
 * The TLS alert a client sent, from the server-side error: `ERR_SSL_TLSV1_ALERT_UNKNOWN_CA` → `unknown ca`,
 * `ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE` → `bad certificate`. Undefined when the error is not a received alert.
 * @see RFC 8446 §6.2 (alert descriptions)
 */
export function alertFromTlsError(code: string | undefined, message: string): string | undefined {
  const fromCode = code === undefined ? undefined : /^ERR_SSL_(?:TLSV1|SSLV3|TLSV13)_ALERT_(.+)$/.exec(code)?.[1];
  if (fromCode !== undefined) return fromCode.toLowerCase().replace(/_/g, ' ');
  const fromMessage = /(?:tlsv1|sslv3|tlsv13) alert ([a-z ]+)/i.exec(message)?.[1];
  return fromMessage?.trim().toLowerCase();
}
