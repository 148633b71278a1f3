/**
 * @module A loopback TCP relay the `client` harness puts between the client under test and the mock WFM. It passes
 * bytes through unchanged (TLS stays end to end between the client and the mock) and notes, per connection, who
 * closed it, when, and whether the server's certificate had reached the client by then. The mock alone cannot tell
 * "the client closed after it received the certificate" (a verification failure of a client that sends no TLS
 * alert, as Node clients do) from "the client closed before" (plain TCP open-and-close, a crash, a kill), so the
 * pinning checks would otherwise have to take any failed handshake as a refusal.
 */
import { connect, createServer } from 'node:net';
import type { Socket } from 'node:net';
import type { Clock } from '../core/clock.js';
import { ConformanceError } from '../core/errors.js';
import type { ObservedConnection } from '../suites/client/context.js';
import { certificateSentAt, clientStartOf } from '../suites/client/tls-transcript.js';
import type { TranscriptChunk } from '../suites/client/tls-transcript.js';

/** Bytes kept per direction and connection: the handshake is all the transcript needs. */
export const RELAY_CAPTURE_BYTES = 16 * 1024;
/** Connections described in a recording; a client opening more (a tight loop) is still relayed, not described. */
export const RELAY_MAX_CONNECTIONS = 2_000;

/** A running relay. */
export interface ClientRelay {
  /** The port it listens on (127.0.0.1). */
  readonly port: number;
  /** What the relay saw, one entry per client connection, in connection order. */
  connections(): ObservedConnection[];
  /** Stops listening and ends every relayed connection. */
  close(): Promise<void>;
}

interface ConnectionState {
  readonly openedAtMs: number;
  upstream: string;
  closedAtMs?: number;
  closedBy?: 'client' | 'server';
  clientBytes: number;
  serverBytes: number;
  captured: { client: number; server: number };
  readonly chunks: TranscriptChunk[];
}

/**
 * Starts a relay on 127.0.0.1, port 0, forwarding every connection to `target`.
 * @returns the relay once it listens
 * @throws ConformanceError INTERNAL when it cannot listen
 */
export async function startClientRelay(target: { readonly host: string; readonly port: number }, clock: Clock): Promise<ClientRelay> {
  const states: ConnectionState[] = [];
  const sockets = new Set<Socket>();
  const server = createServer({ allowHalfOpen: true }, (inbound) => {
    const state: ConnectionState = { openedAtMs: clock.nowMs(), upstream: '', clientBytes: 0, serverBytes: 0, captured: { client: 0, server: 0 }, chunks: [] };
    if (states.length < RELAY_MAX_CONNECTIONS) states.push(state);
    relay(inbound, connect({ host: target.host, port: target.port, allowHalfOpen: true }), state, sockets, clock);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(new ConformanceError('INTERNAL', 'the client relay could not listen on 127.0.0.1', { cause: err })));
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new ConformanceError('INTERNAL', 'the client relay has no TCP address');
  return {
    port: address.port,
    connections: () => states.map(describe),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}

/** Pipes both ways, notes chunks and the first close, and passes a reset on to the other side. */
function relay(inbound: Socket, upstream: Socket, state: ConnectionState, sockets: Set<Socket>, clock: Clock): void {
  for (const s of [inbound, upstream]) {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  }
  upstream.once('connect', () => {
    state.upstream = `${upstream.localAddress ?? '?'}:${upstream.localPort ?? 0}`;
  });
  const note = (from: 'client' | 'server') => (bytes: Buffer) => {
    if (from === 'client') state.clientBytes += bytes.length;
    else state.serverBytes += bytes.length;
    const room = RELAY_CAPTURE_BYTES - state.captured[from];
    if (room <= 0) return;
    const kept = bytes.subarray(0, room);
    state.captured[from] += kept.length;
    state.chunks.push({ from, atMs: clock.nowMs(), bytes: new Uint8Array(kept) });
  };
  const ended = (by: 'client' | 'server') => (): void => {
    if (state.closedAtMs !== undefined) return;
    state.closedAtMs = clock.nowMs();
    state.closedBy = by;
  };
  inbound.on('data', note('client'));
  upstream.on('data', note('server'));
  inbound.once('end', ended('client'));
  upstream.once('end', ended('server'));
  // A reset (or any socket error) on one side is passed on as a reset, as a direct connection would show it.
  inbound.on('error', () => {
    ended('client')();
    upstream.resetAndDestroy();
  });
  upstream.on('error', () => {
    ended('server')();
    inbound.resetAndDestroy();
  });
  inbound.once('close', ended('client'));
  upstream.once('close', ended('server'));
  inbound.pipe(upstream);
  upstream.pipe(inbound);
}

function describe(state: ConnectionState): ObservedConnection {
  const certificateAt = certificateSentAt(state.chunks);
  return {
    upstream: state.upstream,
    openedAtMs: state.openedAtMs,
    ...(state.closedAtMs === undefined ? {} : { closedAtMs: state.closedAtMs }),
    ...(state.closedBy === undefined ? {} : { closedBy: state.closedBy }),
    clientStart: clientStartOf(state.chunks),
    ...(certificateAt === undefined ? {} : { certificateSentAtMs: certificateAt }),
    clientBytes: state.clientBytes,
    serverBytes: state.serverBytes,
  };
}
