/**
 * @module Listener plumbing of the mock WFM: binding and draining servers, Node server timeouts, answers to HTTP
 * parse errors, the TLS settings of the API listener, and the recording of every TLS handshake (with the client's
 * alert when it refuses the server certificate).
 */
import type { Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { SecureContextOptions, TLSSocket } from 'node:tls';
import { ConformanceError } from '../core/errors.js';
import type { MockContext } from './context.js';
import type { MockPki } from './pki-store.js';
import { alertFromTlsError } from './recorder.js';
import type { MockWfmOptions } from './types.js';

/** Which {@link MockWfmOptions} member chose the port of a listener (the CLI maps it to its flag). */
export type ListenerOption = 'port' | 'plainHttpCertificatePort' | 'adminPort';

const LISTEN_REASONS: Readonly<Record<string, string>> = {
  EADDRINUSE: 'address already in use',
  EACCES: 'permission denied (ports below 1024 need privileges)',
  EADDRNOTAVAIL: 'address not available on this machine',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name not resolvable',
};

/**
 * Binds `server`; resolves with the port (useful with port 0).
 * @throws ConformanceError `USAGE` for a port outside 0..65535 or a bind failure (address in use, permission,
 *   unknown address), with `details` `{ option, port, host, errno }` so the CLI can name its flag; the Node error
 *   is the `cause`
 */
export function listen(server: HttpServer | HttpsServer, port: number, host: string, option: ListenerOption = 'port'): Promise<number> {
  const details = { option, port, host };
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    return Promise.reject(new ConformanceError('USAGE', `port ${port}: expected a whole number from 0 to 65535`, { details }));
  }
  return new Promise((resolve, reject) => {
    const fail = (err: NodeJS.ErrnoException): void => {
      const errno = err.code ?? 'unknown';
      const reason = LISTEN_REASONS[errno] ?? `cannot listen (${errno})`;
      reject(new ConformanceError('USAGE', `port ${port} on ${host}: ${reason}`, { cause: err, details: { ...details, errno } }));
    };
    server.once('error', fail);
    server.listen(port, host, () => {
      server.off('error', fail);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Stops accepting, lets in-flight requests finish for up to `graceMs`, then cuts what remains. */
export function closeServer(server: HttpServer | HttpsServer, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve();
      return;
    }
    const timer = setTimeout(() => server.closeAllConnections(), graceMs);
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    server.closeIdleConnections();
  });
}

/** A host as it appears in a URL (IPv6 in brackets). */
export function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** TLS settings of the API listener: the server chain (leaf + intermediates), min / max version. */
export function tlsOptions(pki: MockPki, minVersion: 'TLSv1.2' | 'TLSv1.3', tls12Only: boolean): SecureContextOptions {
  return {
    key: pki.server.privateKeyPem,
    cert: pki.server.chainPem,
    minVersion: tls12Only ? 'TLSv1.2' : minVersion,
    ...(tls12Only ? { maxVersion: 'TLSv1.2' as const } : {}),
  };
}

/** Records every TLS handshake on the API listener, successful or refused (with the client's alert). */
export function recordHandshakes(server: HttpsServer, ctx: MockContext): void {
  // The peer address is read when the TCP connection arrives: after a refused handshake the socket is gone.
  const peers = new WeakMap<Socket, string>();
  server.on('connection', (raw: Socket) => peers.set(raw, `${raw.remoteAddress ?? '?'}:${raw.remotePort ?? 0}`));
  // `_parent` (the TCP socket under a server-side TLSSocket) is a Node internal, used only for this evidence.
  const remote = (s: TLSSocket): string => {
    const parent = (s as TLSSocket & { _parent?: Socket })._parent;
    return (parent === undefined ? undefined : peers.get(parent)) ?? `${s.remoteAddress ?? '?'}:${s.remotePort ?? 0}`;
  };
  server.on('secureConnection', (socket: TLSSocket) => {
    const facts = ctx.recorder.tlsFacts(socket);
    ctx.recorder.addTlsEvent(
      {
        connectionId: ctx.recorder.connectionId(socket),
        kind: 'handshake-ok',
        remote: remote(socket),
        ...facts,
        servedCertificate: ctx.tlsState.served,
        afterCaDownload: ctx.tlsState.caDownloaded,
      },
      ctx.clock.nowMs(),
    );
  });
  server.on('tlsClientError', (err: Error & { code?: string }, socket: TLSSocket) => {
    const alert = alertFromTlsError(err.code, err.message);
    ctx.recorder.addTlsEvent(
      {
        connectionId: ctx.recorder.connectionId(socket),
        kind: 'handshake-failed',
        remote: remote(socket),
        ...(err.code === undefined ? {} : { errorCode: err.code }),
        errorMessage: err.message,
        ...(alert === undefined ? {} : { alert }),
        servedCertificate: ctx.tlsState.served,
        afterCaDownload: ctx.tlsState.caDownloaded,
      },
      ctx.clock.nowMs(),
    );
    socket.destroy();
  });
}

/** Answers HTTP parse errors (bad request line, oversized headers, timeouts) and closes the connection. */
export function answerClientErrors(server: HttpServer | HttpsServer, ctx: MockContext, surface: 'api' | 'certificate-http' | 'admin'): void {
  server.on('clientError', (err: Error & { code?: string }, socket: Socket) => {
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    if (socket.writable) socket.end(`HTTP/1.1 ${status} ${status === 431 ? 'Request Header Fields Too Large' : status === 408 ? 'Request Timeout' : 'Bad Request'}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    else socket.destroy();
    ctx.log({ at: new Date(ctx.clock.nowMs()).toISOString(), surface, method: '', path: '', verdict: `http:${err.code ?? 'client-error'}`, status, durationMs: 0 });
  });
}

/** Node server timeouts: headers 10 s, request 30 s, keep-alive 5 s unless the options say otherwise. */
export function applyTimeouts(server: HttpServer | HttpsServer, opts: MockWfmOptions): void {
  server.headersTimeout = opts.headersTimeoutMs ?? 10_000;
  server.requestTimeout = Math.max(opts.requestTimeoutMs ?? 30_000, server.headersTimeout);
  server.keepAliveTimeout = opts.keepAliveTimeoutMs ?? 5_000;
}
