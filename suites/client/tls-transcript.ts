/**
 * @module Reading the first bytes of a client connection, as the harness relay saw them: did the client start a TLS
 * handshake (or send plain HTTP, or other bytes), and did the server's handshake flight carrying its certificate
 * reach the client before the connection ended. Only record headers and cleartext handshake messages are read;
 * nothing is decrypted. Pure functions over byte chunks.
 * @see RFC 8446 §5.1 (record layer), §4.1.3 (ServerHello, HelloRetryRequest), §4.2.1 (supported_versions),
 *   §4.2.11 (pre_shared_key); RFC 5246 §7.4.2 (Certificate)
 */

/** Bytes that crossed the relay in one direction at one moment. */
export interface TranscriptChunk {
  readonly from: 'client' | 'server';
  /** Unix ms at which the relay received the chunk. */
  readonly atMs: number;
  readonly bytes: Uint8Array;
}

/** What the client's first bytes were. */
export type ClientStart = 'tls-handshake' | 'http' | 'other' | 'none';

/** TLS record content types (RFC 8446 §5.1). */
const RECORD = { changeCipherSpec: 20, alert: 21, handshake: 22, applicationData: 23 } as const;
/** Handshake message types (RFC 8446 §4). */
const HANDSHAKE = { serverHello: 2, certificate: 11 } as const;
/** Extension code points (RFC 8446 §4.2). */
const EXTENSION = { preSharedKey: 41, supportedVersions: 43 } as const;
/** The ServerHello.random of a HelloRetryRequest: SHA-256("HelloRetryRequest") (RFC 8446 §4.1.3). */
const HRR_RANDOM = Buffer.from('cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c', 'hex');
const TLS13 = 0x0304;
/** An HTTP/1.x request line (or the HTTP/2 preface) starts with an upper-case method token and a space. */
const HTTP_START = /^[A-Z]{3,10} /;

/**
 * Classifies the client's first bytes: a TLS handshake record (`0x16 0x03`), a plain HTTP request, other bytes, or
 * none at all.
 * @see RFC 8446 §5.1
 */
export function clientStartOf(chunks: readonly TranscriptChunk[]): ClientStart {
  const first = Buffer.concat(chunks.filter((c) => c.from === 'client').map((c) => c.bytes)).subarray(0, 16);
  if (first.length === 0) return 'none';
  if (first[0] === RECORD.handshake && (first.length < 2 || first[1] === 3)) return 'tls-handshake';
  return HTTP_START.test(first.toString('latin1')) ? 'http' : 'other';
}

/** What the server's first flight showed so far. */
type FlightState = 'waiting' | 'tls13-full' | 'certificate' | 'no-certificate';

/**
 * Unix ms at which the server's certificate had been passed to the client, or undefined when the server never
 * sent it on this connection (it refused before, the handshake resumed a session, or the bytes are not TLS).
 * TLS 1.2 and below: the chunk that completed the cleartext Certificate message. TLS 1.3: the first encrypted
 * record after a ServerHello that is neither a HelloRetryRequest nor a pre_shared_key (resumption) answer; the
 * server writes EncryptedExtensions, Certificate, CertificateVerify and Finished in that one flight.
 * @see RFC 8446 §2 (full handshake message flow), §4.4.2
 */
export function certificateSentAt(chunks: readonly TranscriptChunk[]): number | undefined {
  let pending: Buffer = Buffer.alloc(0);
  let handshake: Buffer = Buffer.alloc(0);
  let state: FlightState = 'waiting';
  for (const chunk of chunks) {
    if (chunk.from !== 'server') continue;
    pending = Buffer.concat([pending, chunk.bytes]);
    for (;;) {
      if (pending.length < 5) break;
      const type = pending[0] as number;
      const length = pending.readUInt16BE(3);
      if (type < RECORD.changeCipherSpec || type > RECORD.applicationData || pending[1] !== 3) return undefined;
      if (pending.length < 5 + length) break;
      const fragment = pending.subarray(5, 5 + length);
      pending = pending.subarray(5 + length);
      if (state === 'tls13-full' && type === RECORD.applicationData) return chunk.atMs;
      if (type === RECORD.alert) return undefined;
      // TLS 1.2: after the server's ChangeCipherSpec its records are encrypted; no Certificate came before it.
      if (type === RECORD.changeCipherSpec && state === 'waiting') return undefined;
      if (type !== RECORD.handshake || state !== 'waiting') continue;
      handshake = Buffer.concat([handshake, fragment]);
      const read = readHandshake(handshake);
      handshake = read.rest;
      state = read.state;
      if (state === 'certificate') return chunk.atMs;
      if (state === 'no-certificate') return undefined;
    }
  }
  return undefined;
}

/** Walks the complete handshake messages in `buffer`; returns the new state and the unread tail. */
function readHandshake(buffer: Buffer): { state: FlightState; rest: Buffer } {
  let rest = buffer;
  while (rest.length >= 4) {
    const type = rest[0] as number;
    const length = rest.readUIntBE(1, 3);
    if (rest.length < 4 + length) break;
    const body = rest.subarray(4, 4 + length);
    rest = rest.subarray(4 + length);
    if (type === HANDSHAKE.certificate) return { state: 'certificate', rest };
    if (type !== HANDSHAKE.serverHello) continue;
    const hello = readServerHello(body);
    if (hello === 'hello-retry') continue;
    if (hello === 'tls13-resumed' || hello === 'malformed') return { state: 'no-certificate', rest };
    if (hello === 'tls13-full') return { state: 'tls13-full', rest };
    // TLS 1.2 and below: the Certificate message follows in the same flight.
  }
  return { state: 'waiting', rest };
}

/** Reads a ServerHello body (RFC 8446 §4.1.3): which kind of handshake it starts. */
function readServerHello(body: Buffer): 'hello-retry' | 'tls13-full' | 'tls13-resumed' | 'tls12' | 'malformed' {
  if (body.length < 38) return 'malformed';
  if (body.subarray(2, 34).equals(HRR_RANDOM)) return 'hello-retry';
  const sessionIdLength = body[34] as number;
  // session id, cipher suite (2), compression method (1), then the extensions block (2-byte length).
  let offset = 35 + sessionIdLength + 3;
  if (body.length < offset + 2) return 'tls12';
  const end = Math.min(body.length, offset + 2 + body.readUInt16BE(offset));
  offset += 2;
  let version = 0;
  let psk = false;
  while (offset + 4 <= end) {
    const ext = body.readUInt16BE(offset);
    const length = body.readUInt16BE(offset + 2);
    if (ext === EXTENSION.supportedVersions && length >= 2 && offset + 6 <= end) version = body.readUInt16BE(offset + 4);
    if (ext === EXTENSION.preSharedKey) psk = true;
    offset += 4 + length;
  }
  if (version !== TLS13) return 'tls12';
  return psk ? 'tls13-resumed' : 'tls13-full';
}
