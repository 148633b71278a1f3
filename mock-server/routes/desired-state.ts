/**
 * @module Desired-state routes (E5–E7): the state manifest (ETag, If-None-Match → 304, Accept → 406), one
 * deployment YAML by digest and the bundle by digest (immutable, 404 for a digest the mock cannot produce).
 * Bytes come from the client's cached {@link PublishedState}; nothing is serialised per request.
 * Faults: `no-304` ignores If-None-Match on the manifest; `no-406` serves the manifest whatever Accept says.
 * @see spec-digest §5.5 items 37–50
 */
import { ConformanceError } from '../../core/errors.js';
import { statusFor } from '../context.js';
import { acceptsManifest, ifNoneMatchMatches } from '../desired-state.js';
import { emptyReply, errorReply, type Exchange, type Reply } from '../exchange.js';
import type { ClientRecord, PublishedState } from '../state.js';

/** Content-addressed bytes never change: cache them for a year (spec-digest §5.5 item 49). */
const IMMUTABLE = 'public, max-age=31536000, immutable';

function published(client: ClientRecord): PublishedState {
  if (client.published === undefined) throw new ConformanceError('INTERNAL', `desired state of ${client.clientId} was never published`);
  return client.published;
}

/** GET the state manifest. */
export function handleDesiredState(ex: Exchange, client: ClientRecord): Reply {
  const { ctx } = ex;
  const manifestType = ctx.profile.mediaTypes.manifest;
  const pub = published(client);
  const acceptable = acceptsManifest(ex.headers['accept'], manifestType);
  if (!acceptable && !ctx.faults.has('no-406')) {
    const message = `Accept '${ex.headers['accept'] ?? ''}' lists no supported type (${manifestType})`;
    return errorReply(ex, statusFor(ex.spec, 'notAcceptable', 406), 'server-cannot-generate-response', message, 'desired-state:not-acceptable');
  }
  // The manifest changes over time: revalidate every time, never immutable (spec-digest §5.5 item 41).
  const headers = { etag: pub.etag, 'cache-control': 'no-cache' };
  const matches = ifNoneMatchMatches(ex.headers['if-none-match'], pub.etag);
  if (matches && !ctx.faults.has('no-304')) {
    return emptyReply(ex.spec.notModifiedStatuses?.[0] ?? 304, 'ok:not-modified', headers);
  }
  const verdict = matches ? 'fault:no-304' : acceptable ? 'ok' : 'fault:no-406';
  return { status: ex.spec.successStatuses[0] ?? 200, headers: { ...headers, 'content-type': manifestType }, body: pub.manifestBody, verdict };
}

function contentAddressed(ex: Exchange, digest: string, body: Buffer, contentType: string): Reply {
  const etag = `"${digest}"`;
  const headers = { etag, 'cache-control': IMMUTABLE };
  if (ifNoneMatchMatches(ex.headers['if-none-match'], etag)) {
    return emptyReply(ex.spec.notModifiedStatuses?.[0] ?? 304, 'ok:not-modified', headers);
  }
  return { status: ex.spec.successStatuses[0] ?? 200, headers: { ...headers, 'content-type': contentType }, body, verdict: 'ok' };
}

/** GET one ApplicationDeployment YAML by deploymentId and digest. */
export function handleDeploymentByDigest(ex: Exchange, client: ClientRecord): Reply {
  const deploymentId = ex.params['deploymentId'] ?? '';
  const digest = ex.params['digest'] ?? '';
  const doc = published(client).deploymentsByDigest.get(`${deploymentId} ${digest}`);
  if (doc === undefined) {
    const message = `no deployment ${deploymentId} with digest ${digest}`;
    return errorReply(ex, statusFor(ex.spec, 'notFound', 404), 'deployment-not-found', message, 'desired-state:unknown-digest');
  }
  return contentAddressed(ex, doc.digest, doc.bytes, ex.ctx.profile.mediaTypes.yaml);
}

/** GET the bundle (gzip tar of every deployment YAML) by digest. */
export function handleBundle(ex: Exchange, client: ClientRecord): Reply {
  const digest = ex.params['digest'] ?? '';
  const bundle = published(client).bundle;
  if (bundle === undefined || bundle.digest !== digest) {
    return errorReply(ex, statusFor(ex.spec, 'notFound', 404), 'invalid-bundle', `no bundle with digest ${digest}`, 'desired-state:unknown-bundle');
  }
  return contentAddressed(ex, bundle.digest, bundle.bytes, ex.ctx.profile.mediaTypes.bundle);
}
