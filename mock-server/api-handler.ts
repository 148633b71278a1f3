/**
 * @module The request pipeline of the API listener. For every request:
 * 1. read the body as exact bytes (limit → 413, connection closed);
 * 2. route with find-my-way over the profile's route templates, after the base path (unknown path → 404; known
 *    path, other method → 405 with `Allow`);
 * 3. scenario faults of the route: stall, then an injected 500/429/503 with `Retry-After`;
 * 4. signed client routes: unknown clientId → 404, signature (400 digest / 401), revoked → 403;
 * 5. the route handler; successful reports are persisted before the answer;
 * 6. write the reply, record the exchange, log one line.
 * No exception escapes: anything thrown becomes a 500 with the error logged and recorded.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { TLSSocket } from 'node:tls';
import { setTimeout as delay } from 'node:timers/promises';
import Router from 'find-my-way';
import type { HttpRequestParts } from '../core/http-signatures/index.js';
import { stripBasePath, type RouteName, type RouteSpec } from '../core/profiles/index.js';
import type { TlsFacts } from '../core/check.js';
import { statusFor, type MockContext } from './context.js';
import { emptyReply, errorReply, jsonReply, type Exchange, type Reply } from './exchange.js';
import { collectHeaders, readBody, writeResponse, type WrittenResponse } from './http-io.js';
import { recordRequest, recordResponse } from './recorder.js';
import { handleCertificate } from './routes/certificate.js';
import { handleBundle, handleDeploymentByDigest, handleDesiredState } from './routes/desired-state.js';
import { handleOnboarding } from './routes/onboarding.js';
import { handleCapabilitiesDelete, handleCapabilitiesPut, handleDeploymentStatus } from './routes/reports.js';
import type { ClientRecord } from './state.js';

/** find-my-way store of one route. */
interface RouteStore {
  readonly route: RouteName;
  readonly spec: RouteSpec;
}

/** The router of one profile. */
export interface ApiRouter {
  find(method: string, path: string): { store: RouteStore; params: Record<string, string> } | undefined;
  /** Methods that have a route for `path` (for 405 `Allow`). */
  allowed(path: string): string[];
}

const METHODS = ['GET', 'POST', 'PUT', 'DELETE'] as const;

/** `{name}` → `:name`; a trailing `{deviceId}` (one or more segments) → `*`. */
function toRouterPath(template: string): string {
  return template.replace(/\{deviceId\}$/, '*').replace(/\{([A-Za-z]+)\}/g, ':$1');
}

/**
 * Builds the router of a profile: every route template of the profile, so no path is written out here.
 * @see core/profiles (RouteSpec.path)
 */
export function createApiRouter(routes: Readonly<Partial<Record<RouteName, RouteSpec>>>): ApiRouter {
  const router = Router({ maxParamLength: 2048 });
  for (const [route, spec] of Object.entries(routes) as [RouteName, RouteSpec][]) {
    router.on(spec.method, toRouterPath(spec.path), () => undefined, { route, spec } satisfies RouteStore);
  }
  const find = (method: string, path: string): ReturnType<ApiRouter['find']> => {
    if (!(METHODS as readonly string[]).includes(method)) return undefined;
    const found = router.find(method as (typeof METHODS)[number], path);
    if (found === null) return undefined;
    const params: Record<string, string> = {};
    for (const [name, value] of Object.entries(found.params)) {
      if (value === undefined || value === '' || value.split('/').includes('')) return undefined;
      params[name === '*' ? 'deviceId' : name] = value;
    }
    return { store: found.store as RouteStore, params };
  };
  return { find, allowed: (path) => METHODS.filter((m) => find(m, path) !== undefined) };
}

const MUTATING: ReadonlySet<RouteName> = new Set(['capabilitiesCreate', 'capabilitiesUpdate', 'capabilitiesDelete', 'deploymentStatus']);

function unknownClientAccepted(ex: Exchange): Reply {
  const status = ex.spec.successStatuses[0] ?? 200;
  if (ex.route === 'desiredState') {
    const empty = { manifestVersion: 1, bundle: null, deployments: [] };
    return jsonReply(status, empty, 'fault:unknown-client-200', ex.ctx.profile.mediaTypes.manifest);
  }
  return emptyReply(status, 'fault:unknown-client-200');
}

/** Step 4: the clientId must exist, the signature verify with its key, the client not be revoked. */
async function authenticateClient(ex: Exchange): Promise<Reply | ClientRecord> {
  const { ctx } = ex;
  const clientId = ex.params['clientId'] ?? '';
  ex.clientId = clientId;
  const client = ctx.state.clients.get(clientId);
  if (client === undefined) {
    if (ctx.faults.has('unknown-client-200')) return unknownClientAccepted(ex);
    const status = statusFor(ex.spec, 'unknownClient', 404, 404);
    return errorReply(ex, status, 'invalid-client', `no client with clientId '${clientId}'`, 'client:unknown');
  }
  if (ex.spec.signed) {
    const parts: HttpRequestParts = { method: ex.method, url: ex.targetUri, headers: { ...ex.headers }, body: ex.body };
    const check = await ctx.verify(parts, client.publicKey, ex.nowSeconds);
    ex.signature = check.recorded;
    if (!check.ok) {
      const problem = check.kind === 'digest' ? 'invalid-digest-header' : 'signature-verification-failed';
      return errorReply(ex, statusFor(ex.spec, check.kind, check.status), problem, check.message, `signature:${check.recorded.outcome}`);
    }
  }
  if (client.revokedAt !== undefined && !ctx.faults.has('accept-revoked')) {
    return errorReply(ex, statusFor(ex.spec, 'untrusted', 403), 'certificate-not-trusted', `client ${clientId} was revoked`, 'client:revoked');
  }
  return client;
}

async function runClientRoute(ex: Exchange): Promise<Reply> {
  const auth = await authenticateClient(ex);
  if (!('certDer' in auth)) return auth;
  ex.client = auth;
  let reply: Reply;
  switch (ex.route) {
    case 'capabilitiesCreate':
    case 'capabilitiesUpdate':
      reply = handleCapabilitiesPut(ex, auth);
      break;
    case 'capabilitiesDelete':
      reply = handleCapabilitiesDelete(ex, auth);
      break;
    case 'deploymentStatus':
      reply = handleDeploymentStatus(ex, auth);
      break;
    case 'desiredState':
      reply = handleDesiredState(ex, auth);
      break;
    case 'deploymentByDigest':
      reply = handleDeploymentByDigest(ex, auth);
      break;
    case 'bundle':
      reply = handleBundle(ex, auth);
      break;
    default:
      reply = errorReply(ex, 404, 'not-found', `route ${ex.route} is not served`, 'route:unserved');
  }
  if (MUTATING.has(ex.route) && reply.status < 300) await ex.ctx.persist();
  return reply;
}

/** Steps 3–5 for a routed request. */
async function dispatch(ex: Exchange, applied: string[]): Promise<Reply> {
  const faults = ex.ctx.clientFaults.take(ex.route, ex.params['clientId']);
  applied.push(...faults.applied);
  if (faults.stallMs > 0) await delay(faults.stallMs);
  if (faults.status !== undefined) {
    const { status, retryAfterSeconds } = faults.status;
    const headers: Record<string, string> = retryAfterSeconds === undefined ? {} : { 'retry-after': String(retryAfterSeconds) };
    const problem = status === 429 ? 'too-many-requests' : status === 503 ? 'service-unavailable' : 'internal-error';
    return errorReply(ex, status, problem, `scenario fault: ${status}`, `client-fault:status-${status}`, headers);
  }
  if (ex.route === 'certificate') return handleCertificate(ex);
  if (ex.route === 'onboarding') return handleOnboarding(ex);
  return runClientRoute(ex);
}

/** Where a listener serves: the HTTPS API, or the opt-in plain-HTTP Certificate API. */
export type ApiSurface = 'api' | 'certificate-http';

interface RequestMeta {
  readonly atMs: number;
  readonly started: number;
  readonly connectionId: number;
  readonly tls: TlsFacts;
  readonly method: string;
  readonly rawUrl: string;
  readonly pathname: string;
  readonly headers: Record<string, string>;
  readonly targetUri: string;
}

function readMeta(ctx: MockContext, req: IncomingMessage, surface: ApiSurface): RequestMeta {
  const socket = req.socket;
  const encrypted = (socket as TLSSocket).encrypted === true;
  const rawUrl = req.url ?? '/';
  const q = rawUrl.indexOf('?');
  const headers = collectHeaders(req);
  const host = headers['host'] ?? `${socket.localAddress ?? '127.0.0.1'}:${socket.localPort ?? 0}`;
  return {
    atMs: ctx.clock.nowMs(),
    started: performance.now(),
    connectionId: ctx.recorder.connectionId(socket),
    tls: encrypted ? ctx.recorder.tlsFacts(socket as TLSSocket) : {},
    method: req.method ?? 'GET',
    rawUrl,
    pathname: q < 0 ? rawUrl : rawUrl.slice(0, q),
    headers,
    targetUri: `${surface === 'api' ? 'https' : 'http'}://${host}${rawUrl}`,
  };
}

/** Creates the `(req, res)` handler of a listener. */
export function createApiHandler(
  ctx: MockContext,
  router: ApiRouter,
  surface: ApiSurface,
): (req: IncomingMessage, res: ServerResponse) => void {
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const meta = readMeta(ctx, req, surface);
    const applied: string[] = [];
    let ex: Exchange | undefined;
    let body: Buffer = Buffer.alloc(0);
    let reply: Reply;
    let error: string | undefined;
    try {
      const read = await readBody(req, ctx.bodyLimitBytes);
      if (!read.ok && read.reason === 'aborted') {
        res.destroy();
        return;
      }
      if (!read.ok) {
        const message = `request body exceeds ${ctx.bodyLimitBytes} bytes`;
        reply = errorReply({ ctx, path: meta.pathname }, 413, 'payload-too-large', message, 'body:too-large', { connection: 'close' });
      } else {
        body = read.body;
        const routed = route(meta, body);
        if ('route' in routed && 'ctx' in routed) {
          ex = routed;
          reply = await dispatch(routed, applied);
        } else {
          reply = routed;
        }
      }
    } catch (err) {
      error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      reply = errorReply({ ctx, path: meta.pathname }, 500, 'internal-error', 'the mock WFM failed on this request', 'internal-error');
    }
    finish(meta, res, body, ex, reply, applied, error);
  };

  /** Step 2: an {@link Exchange} for a routed request, or the 404 / 405 reply. */
  const route = (meta: RequestMeta, body: Buffer): Exchange | Reply => {
    const path = stripBasePath(ctx.basePath, meta.pathname);
    const found = path === undefined ? undefined : router.find(meta.method, path);
    const plainRefused = surface === 'certificate-http' && found !== undefined && found.store.route !== 'certificate';
    if (path === undefined || found === undefined || plainRefused) {
      const allowed = path === undefined || surface === 'certificate-http' ? [] : router.allowed(path);
      const at = { ctx, path: path ?? meta.pathname };
      if (allowed.length > 0) {
        return errorReply(at, 405, 'method-not-allowed', `${meta.method} is not allowed here`, 'route:method-not-allowed', { allow: allowed.join(', ') });
      }
      return errorReply(at, 404, 'not-found', `no route for ${meta.method} ${meta.pathname}`, 'route:not-found');
    }
    return {
      ctx,
      method: meta.method,
      path,
      route: found.store.route,
      spec: found.store.spec,
      params: found.params,
      headers: meta.headers,
      body,
      targetUri: meta.targetUri,
      nowSeconds: ctx.clock.nowSeconds(),
    };
  };

  const finish = (
    meta: RequestMeta,
    res: ServerResponse,
    body: Buffer,
    ex: Exchange | undefined,
    reply: Reply,
    applied: readonly string[],
    error: string | undefined,
  ): void => {
    const written: WrittenResponse = writeResponse(res, reply.status, reply.headers, reply.body);
    const durationMs = performance.now() - meta.started;
    const clientId = ex?.clientId;
    ctx.recorder.addExchange({
      at: new Date(meta.atMs).toISOString(),
      connectionId: meta.connectionId,
      ...(clientId === undefined ? {} : { clientId }),
      ...(ex === undefined ? {} : { route: ex.route, params: ex.params }),
      request: recordRequest(meta.method, meta.rawUrl, meta.targetUri, meta.headers, body),
      response: recordResponse(written),
      ...(ex?.signature === undefined ? {} : { signature: ex.signature }),
      verdict: reply.verdict,
      ...(applied.length > 0 ? { clientFaultsApplied: applied } : {}),
      tls: meta.tls,
      durationMs,
    });
    ctx.log({
      at: new Date(meta.atMs).toISOString(),
      surface,
      method: meta.method,
      path: meta.pathname,
      ...(ex === undefined ? {} : { route: ex.route }),
      ...(clientId === undefined ? {} : { clientId }),
      verdict: reply.verdict,
      status: reply.status,
      durationMs: Math.round(durationMs * 1000) / 1000,
      ...(error === undefined ? {} : { error }),
    });
  };

  return (req, res) => {
    handle(req, res).catch((err: unknown) => {
      // Reached only if writing the response or recording failed; the socket is the last thing we can act on.
      ctx.log({ at: new Date(ctx.clock.nowMs()).toISOString(), surface, method: req.method ?? '', path: req.url ?? '', verdict: 'internal-error', status: 500, durationMs: 0, error: String(err) });
      res.destroy();
    });
  };
}
