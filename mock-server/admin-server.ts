/**
 * @module The admin surface: a separate plain-HTTP listener (loopback by default) with a JSON API under
 * `/admin/api/` and the admin page at `/admin/`. Every call needs the admin token:
 * `Authorization: Bearer <token>` (or Basic with the token as password, or `?token=` in the query, for operator hook
 * URLs); the page takes `?token=` once, sets an HttpOnly SameSite=Strict cookie and redirects; page forms carry the
 * token in a hidden field (a POST is never authorised by the cookie alone).
 *
 * JSON API: GET pending · POST pending/{id}/approve · POST pending/{id}/reject · POST certificates (PEM) ·
 * POST allowlist {fingerprint | issuerPem} · POST rejections {fingerprint} · GET clients · GET clients/{clientId} ·
 * POST clients/{clientId}/revoke · GET|PUT clients/{clientId}/deployments (PUT: YAML) ·
 * DELETE clients/{clientId}/deployments/{deploymentId} · GET|DELETE traffic · POST operator-hook
 * {action, fingerprint, certificatePem?, clientId?} (operator-hook.ts) · GET|POST faults {clientId | '*', faults} · GET info.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import Router from 'find-my-way';
import { ConformanceError, isConformanceError } from '../core/errors.js';
import type { RouteName } from '../core/profiles/index.js';
import { renderAdminPage } from './admin-page.js';
import type { MockContext } from './context.js';
import { parseClientFaults } from './client-fault-input.js';
import { collectHeaders, readBody, writeResponse } from './http-io.js';
import { parseOperatorHookBody } from './operator-hook.js';
import type { MockAdmin } from './types.js';

/** What the admin listener needs beside the context. */
export interface AdminDeps {
  readonly ctx: MockContext;
  readonly admin: MockAdmin;
  readonly token: string;
  readonly info: () => Record<string, unknown>;
}

type Params = Readonly<Record<string, string | undefined>>;

/** A parsed admin request. */
interface AdminRequest {
  readonly method: string;
  readonly params: Params;
  readonly query: URLSearchParams;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

interface AdminReply {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

type AdminRoute = (r: AdminRequest) => Promise<AdminReply>;

const COOKIE = 'margo_admin_token';

function json(status: number, value: unknown): AdminReply {
  return { status, headers: { 'content-type': 'application/json', 'cache-control': 'no-store' }, body: Buffer.from(JSON.stringify(value, null, 2)) };
}

function redirect(location: string, extra: Record<string, string> = {}): AdminReply {
  return { status: 303, headers: { location, ...extra }, body: Buffer.alloc(0) };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/**
 * Constant-time token comparison (both sides hashed, so lengths match). An empty presented token never matches,
 * whatever the configured token is (`curl -u op: …` sends an empty Basic password).
 */
function tokenMatches(given: string | undefined, token: string): boolean {
  return given !== undefined && given !== '' && token !== '' && timingSafeEqual(digest(given), digest(token));
}

function cookieToken(headers: Record<string, string>): string | undefined {
  const cookie = headers['cookie'] ?? '';
  for (const part of cookie.split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name === COOKIE) return decodeURIComponent(rest.join('='));
  }
  return undefined;
}

function bearer(headers: Record<string, string>): string | undefined {
  return /^Bearer\s+(.+)$/i.exec(headers['authorization'] ?? '')?.[1]?.trim();
}

/** The password of HTTP Basic credentials (an operator hook URL may carry the token as `http://op:<token>@…`). */
function basicPassword(headers: Record<string, string>): string | undefined {
  const encoded = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(headers['authorization'] ?? '')?.[1];
  if (encoded === undefined) return undefined;
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : decoded.slice(colon + 1);
}

function bodyJson(r: AdminRequest): Record<string, unknown> {
  const text = r.body.toString('utf8');
  if (text.trim() === '') return {};
  const value = JSON.parse(text) as unknown;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new SyntaxError('expected a JSON object');
  return value as Record<string, unknown>;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** `?since=<entry id>` of the traffic listing: a whole number ≥ 0 (default 0). @throws ConformanceError USAGE */
function sinceParam(value: string | null): number {
  if (value === null) return 0;
  if (!/^\d{1,15}$/.test(value)) throw new ConformanceError('USAGE', `since: expected a whole number ≥ 0 (an entry id), got '${value.slice(0, 40)}'`);
  return Number(value);
}

function errorStatus(err: unknown): number {
  if (err instanceof SyntaxError) return 400;
  if (isConformanceError(err, 'USAGE')) return /^no (pending|client)|has no deployment/.test(err.message) ? 404 : 400;
  if (isConformanceError(err, 'CONFIG_INVALID', 'CERT_ENCODING_INVALID', 'CERT_PARSE_FAILED')) return 400;
  return 500;
}

function apiRoutes(deps: AdminDeps): [string, string, AdminRoute][] {
  const { admin, ctx } = deps;
  const param = (r: AdminRequest, name: string): string => r.params[name] ?? '';
  return [
    ['GET', '/admin/api/info', async () => json(200, deps.info())],
    ['GET', '/admin/api/pending', async () => json(200, admin.listPending())],
    ['POST', '/admin/api/pending/:id/approve', async (r) => json(200, await admin.approve(param(r, 'id')))],
    ['POST', '/admin/api/pending/:id/reject', async (r) => json(200, await admin.reject(param(r, 'id')))],
    ['POST', '/admin/api/certificates', async (r) => {
      const text = r.body.toString('utf8');
      const pem = text.trimStart().startsWith('{') ? (str(bodyJson(r)['pem']) ?? '') : text;
      return json(201, { fingerprint256: await admin.uploadCertificate(pem) });
    }],
    ['POST', '/admin/api/allowlist', async (r) => {
      const b = bodyJson(r);
      const issuerPem = str(b['issuerPem']);
      if (issuerPem !== undefined) await admin.allowlistIssuer(issuerPem);
      else await admin.allowlistFingerprint(str(b['fingerprint']) ?? '');
      return json(201, { ok: true });
    }],
    ['POST', '/admin/api/rejections', async (r) => {
      await admin.rejectFingerprint(str(bodyJson(r)['fingerprint']) ?? '');
      return json(201, { ok: true });
    }],
    ['GET', '/admin/api/clients', async () => json(200, admin.clients())],
    ['GET', '/admin/api/clients/:clientId', async (r) => {
      const view = admin.client(param(r, 'clientId'));
      return view === undefined ? json(404, { error: 'Unknown client' }) : json(200, view);
    }],
    ['POST', '/admin/api/clients/:clientId/revoke', async (r) => json(200, await admin.revoke(param(r, 'clientId')))],
    ['GET', '/admin/api/clients/:clientId/deployments', async (r) => {
      const view = admin.client(param(r, 'clientId'));
      return view === undefined ? json(404, { error: 'Unknown client' }) : json(200, { manifestVersion: view.manifestVersion, deployments: view.deployments });
    }],
    ['PUT', '/admin/api/clients/:clientId/deployments', async (r) => json(200, await admin.putDeployment(param(r, 'clientId'), r.body.toString('utf8')))],
    ['DELETE', '/admin/api/clients/:clientId/deployments/:deploymentId', async (r) =>
      json(200, await admin.removeDeployment(param(r, 'clientId'), param(r, 'deploymentId')))],
    ['GET', '/admin/api/traffic', async (r) => {
      const since = sinceParam(r.query.get('since'));
      return json(200, { dropped: ctx.recorder.dropped(), entries: ctx.recorder.entries().filter((e) => e.id > since) });
    }],
    ['DELETE', '/admin/api/traffic', async () => {
      admin.clearTraffic();
      return json(200, { ok: true });
    }],
    ['POST', '/admin/api/operator-hook', async (r) => json(200, await admin.operatorHook(parseOperatorHookBody(bodyJson(r))))],
    ['GET', '/admin/api/faults', async () => json(200, { server: [...ctx.faults], clients: admin.clientFaults() })],
    ['POST', '/admin/api/faults', async (r) => {
      const b = bodyJson(r);
      if (b['clientId'] !== undefined && (typeof b['clientId'] !== 'string' || b['clientId'] === '')) {
        throw new ConformanceError('USAGE', 'clientId: expected a clientId string, or leave it out for every client');
      }
      const scope = str(b['clientId']) ?? '*';
      const faults = parseClientFaults(b['faults'], Object.keys(ctx.profile.routes) as RouteName[]);
      await admin.setClientFaults(scope, faults);
      return json(200, { clientId: scope, faults });
    }],
  ];
}

function pageRoutes(deps: AdminDeps): [string, string, AdminRoute][] {
  const { admin } = deps;
  const formAction = (run: (f: URLSearchParams) => Promise<unknown>, done: string): AdminRoute => async (r) => {
    const form = new URLSearchParams(r.body.toString('utf8'));
    try {
      await run(form);
      return redirect(`/admin/?done=${encodeURIComponent(done)}`);
    } catch (err) {
      if (errorStatus(err) === 500) throw err;
      return redirect(`/admin/?error=${encodeURIComponent((err as Error).message)}`);
    }
  };
  const field = (f: URLSearchParams, name: string): string => f.get(name) ?? '';
  return [
    ['POST', '/admin/approve', formAction((f) => admin.approve(field(f, 'id')), 'approved')],
    ['POST', '/admin/reject', formAction((f) => admin.reject(field(f, 'id')), 'rejected')],
    ['POST', '/admin/revoke', formAction((f) => admin.revoke(field(f, 'clientId')), 'revoked')],
    ['POST', '/admin/upload', formAction((f) => admin.uploadCertificate(field(f, 'pem')), 'certificate uploaded')],
    ['POST', '/admin/allowlist', formAction((f) =>
      f.get('issuerPem') ? admin.allowlistIssuer(field(f, 'issuerPem')) : admin.allowlistFingerprint(field(f, 'fingerprint')), 'allowlisted')],
    ['POST', '/admin/rejections', formAction((f) => admin.rejectFingerprint(field(f, 'fingerprint')), 'fingerprint rejected')],
    ['POST', '/admin/deployments', formAction((f) => admin.putDeployment(field(f, 'clientId'), field(f, 'yaml')), 'deployment added')],
  ];
}

/** Creates the admin listener's `(req, res)` handler. */
export function createAdminHandler(deps: AdminDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const router = Router();
  const store = new Map<string, AdminRoute>();
  for (const [method, path, run] of [...apiRoutes(deps), ...pageRoutes(deps)]) {
    router.on(method as 'GET', path, () => undefined, { key: `${method} ${path}` });
    store.set(`${method} ${path}`, run);
  }
  const page = async (r: AdminRequest): Promise<AdminReply> => {
    const queryToken = r.query.get('token');
    if (queryToken !== null && tokenMatches(queryToken, deps.token)) {
      const cookie = `${COOKIE}=${encodeURIComponent(deps.token)}; HttpOnly; SameSite=Strict; Path=/admin`;
      return redirect('/admin/', { 'set-cookie': cookie });
    }
    const done = r.query.get('done');
    const error = r.query.get('error');
    const notice = error !== null ? `Error: ${error}` : done !== null ? `Done: ${done}` : undefined;
    const info = deps.info();
    const html = renderAdminPage({
      token: deps.token,
      apiUrl: String(info['url']),
      caFingerprint256: String(info['caFingerprint256']),
      policy: String(info['policy']),
      faults: [...deps.ctx.faults],
      pending: deps.admin.listPending(),
      clients: deps.admin.clients(),
      ...(notice === undefined ? {} : { notice }),
    });
    return { status: 200, headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }, body: Buffer.from(html) };
  };

  const authorised = (r: AdminRequest, isPageGet: boolean): boolean => {
    if (tokenMatches(bearer(r.headers), deps.token) || tokenMatches(basicPassword(r.headers), deps.token)) return true;
    // `?token=` serves the page login and hook URLs that carry the token in their query (never logged).
    if (tokenMatches(r.query.get('token') ?? undefined, deps.token)) return true;
    if (isPageGet) return tokenMatches(cookieToken(r.headers), deps.token);
    // Page forms: the hidden token field; the cookie alone never authorises a POST (CSRF).
    if ((r.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
      return tokenMatches(new URLSearchParams(r.body.toString('utf8')).get('token') ?? undefined, deps.token);
    }
    return false;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = performance.now();
    const url = new URL(req.url ?? '/', 'http://admin.invalid');
    const method = req.method ?? 'GET';
    let reply: AdminReply;
    const read = await readBody(req, deps.ctx.bodyLimitBytes);
    if (!read.ok) {
      reply = read.reason === 'too-large' ? json(413, { error: 'Payload too large' }) : json(400, { error: 'Request aborted' });
    } else {
      const r: AdminRequest = { method, params: {}, query: url.searchParams, headers: collectHeaders(req), body: read.body };
      const isPage = method === 'GET' && (url.pathname === '/admin/' || url.pathname === '/admin');
      if (!authorised(r, isPage)) {
        reply = json(401, { error: 'Unauthorized', message: 'send Authorization: Bearer <admin token>, or open /admin/?token=<admin token>' });
      } else if (isPage) {
        reply = await page(r);
      } else {
        const found = router.find(method as 'GET', url.pathname);
        const run = found === null ? undefined : store.get((found.store as { key: string }).key);
        reply = run === undefined || found === null ? json(404, { error: 'Not found' }) : await runSafely(run, { ...r, params: found.params });
      }
    }
    writeResponse(res, reply.status, reply.headers, reply.body);
    deps.ctx.log({
      at: new Date(deps.ctx.clock.nowMs()).toISOString(),
      surface: 'admin',
      method,
      path: url.pathname,
      verdict: reply.status < 400 ? 'ok' : `admin:${reply.status}`,
      status: reply.status,
      durationMs: Math.round((performance.now() - started) * 1000) / 1000,
    });
  };

  const runSafely = async (run: AdminRoute, r: AdminRequest): Promise<AdminReply> => {
    try {
      return await run(r);
    } catch (err) {
      const status = errorStatus(err);
      if (status === 500) throw err;
      return json(status, { error: status === 404 ? 'Not found' : 'Bad request', message: (err as Error).message });
    }
  };

  return (req, res) => {
    handle(req, res).catch((err: unknown) => {
      deps.ctx.log({ at: new Date(deps.ctx.clock.nowMs()).toISOString(), surface: 'admin', method: req.method ?? '', path: req.url?.split('?')[0] ?? '', verdict: 'internal-error', status: 500, durationMs: 0, error: String(err) });
      if (!res.headersSent) writeResponse(res, 500, { 'content-type': 'application/json' }, Buffer.from('{"error":"Internal server error"}'));
      else res.destroy();
    });
  };
}
