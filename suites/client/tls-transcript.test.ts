import { describe, expect, it } from 'vitest';
import { certificateSentAt, clientStartOf } from './tls-transcript.js';
import type { TranscriptChunk } from './tls-transcript.js';

const record = (type: number, fragment: Buffer): Buffer => Buffer.concat([Buffer.from([type, 3, 3, fragment.length >> 8, fragment.length & 0xff]), fragment]);
const handshake = (type: number, body: Buffer): Buffer => Buffer.concat([Buffer.from([type, body.length >> 16, (body.length >> 8) & 0xff, body.length & 0xff]), body]);
const ext = (code: number, data: Buffer): Buffer => Buffer.concat([Buffer.from([code >> 8, code & 0xff, data.length >> 8, data.length & 0xff]), data]);
const HRR = Buffer.from('cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c', 'hex');

/** A ServerHello body: version, random, empty session id, cipher, compression, extensions. */
function serverHello(extensions: Buffer[], random = Buffer.alloc(32, 7)): Buffer {
  const exts = Buffer.concat(extensions);
  return handshake(2, Buffer.concat([Buffer.from([3, 3]), random, Buffer.from([0, 0x13, 0x01, 0]), Buffer.from([exts.length >> 8, exts.length & 0xff]), exts]));
}
const tls13 = ext(43, Buffer.from([3, 4]));
const psk = ext(41, Buffer.from([0, 0]));
const server = (atMs: number, bytes: Buffer): TranscriptChunk => ({ from: 'server', atMs, bytes: new Uint8Array(bytes) });
const client = (atMs: number, bytes: Buffer | string): TranscriptChunk => ({ from: 'client', atMs, bytes: new Uint8Array(Buffer.from(bytes)) });

describe('certificateSentAt', () => {
  it('TLS 1.3 full handshake: the first encrypted record after the ServerHello carries the certificate', () => {
    const chunks = [client(1, Buffer.from([22, 3, 1, 0, 0])), server(2, record(22, serverHello([tls13]))), server(3, record(20, Buffer.from([1]))), server(4, record(23, Buffer.alloc(900)))];
    expect(certificateSentAt(chunks)).toBe(4);
    // Without the encrypted flight the certificate has not been sent yet.
    expect(certificateSentAt(chunks.slice(0, 3))).toBeUndefined();
  });

  it('TLS 1.3: a HelloRetryRequest or a resumed session (pre_shared_key) sends no certificate', () => {
    expect(certificateSentAt([server(2, record(22, serverHello([tls13], HRR))), server(3, record(23, Buffer.alloc(50)))])).toBeUndefined();
    expect(certificateSentAt([server(2, record(22, serverHello([tls13, psk]))), server(3, record(23, Buffer.alloc(300)))])).toBeUndefined();
  });

  it('TLS 1.2: the chunk that completes the cleartext Certificate message, even split across chunks', () => {
    const flight = record(22, Buffer.concat([serverHello([]), handshake(11, Buffer.alloc(600, 1))]));
    expect(certificateSentAt([server(5, flight.subarray(0, 100)), server(6, flight.subarray(100))])).toBe(6);
  });

  it('an alert (version refused) or bytes that are not TLS mean no certificate', () => {
    expect(certificateSentAt([server(2, record(21, Buffer.from([2, 70])))])).toBeUndefined();
    expect(certificateSentAt([server(2, Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n'))])).toBeUndefined();
    expect(certificateSentAt([])).toBeUndefined();
  });
});

describe('clientStartOf', () => {
  it('tells a TLS ClientHello from plain HTTP, other bytes and silence', () => {
    expect(clientStartOf([client(1, Buffer.from([22, 3, 1, 1, 0, 1]))])).toBe('tls-handshake');
    expect(clientStartOf([client(1, 'GET /api/v1/onboarding/certificate HTTP/1.1\r\n')])).toBe('http');
    expect(clientStartOf([client(1, 'hello there\n')])).toBe('other');
    expect(clientStartOf([server(1, Buffer.from([21]))])).toBe('none');
  });
});
