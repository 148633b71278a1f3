/**
 * @module Reading {@link TlsFacts} off a connected TLS socket: negotiated protocol and cipher, and whether the peer
 * chain verified against the trust anchors in use.
 */
import type { TLSSocket } from 'node:tls';
import type { TlsFacts } from '../check.js';

/**
 * TLS facts of a socket whose handshake completed. `authorized` is false when verification failed but was not
 * enforced (insecure mode); `errorMessage` then names the ignored verification error.
 */
export function readTlsFacts(socket: TLSSocket): TlsFacts {
  const protocol = socket.getProtocol() ?? undefined;
  const cipher = socket.getCipher()?.name;
  if (socket.authorized) return { protocol, cipher, authorized: true };
  // authorizationError is typed as Error but Node sets the OpenSSL code string.
  const ignored = String(socket.authorizationError ?? 'unknown');
  return { protocol, cipher, authorized: false, errorMessage: `verification not enforced: ${ignored}` };
}
