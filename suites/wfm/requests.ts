/**
 * @module Building and sending the requests of the `wfm` suite: routes and bodies come from the profile, signatures
 * from core/http-signatures (with its named faults for the negative checks), encodings from the config.
 * No route path is written out here.
 *
 * @see spec-digest §3.1 (client signing algorithm), §1 (routes)
 */
import { keyIdForPublicKey } from '../../core/http-signatures/keyid.js';
import { signRequest } from '../../core/http-signatures/sign.js';
import type { SigningFault } from '../../core/http-signatures/faults.js';
import type { KeyObject } from 'node:crypto';
import { ConformanceError, isConformanceError } from '../../core/errors.js';
import { parseJsonLossless, stringifyJson } from '../../core/json.js';
import { encodeCertificateField } from '../../core/pki/index.js';
import type { IssuedCertificate } from '../../core/pki/index.js';
import {
  buildCapabilities,
  buildDeploymentStatus,
  buildOnboardingRequest,
  routeUrl,
} from '../../core/profiles/index.js';
import type { RouteName, RouteSpec } from '../../core/profiles/index.js';
import { bodyText } from '../expect.js';
import type { OnboardedClient, WfmCheckContext, WfmExchange, WfmRequest } from './context.js';

/** How a request is signed: by an identity's key (optionally with faults), or not at all. */
export interface SigningSpec {
  readonly key: KeyObject;
  /** `keyid` parameter; default per `signatures.keyidStrategy`. */
  readonly keyid: string;
  /** Unix seconds; default `ctx.now()`. */
  readonly created?: number;
  readonly faults?: readonly SigningFault[];
  readonly otherKey?: KeyObject;
}

/** The route of `name` in the profile. @throws ConformanceError `INTERNAL` when the profile lacks it (checks gate on {@link hasRoute}) */
export function routeOf(ctx: Pick<WfmCheckContext, 'profile'>, name: RouteName): RouteSpec {
  const route = ctx.profile.routes[name];
  if (route === undefined) throw new ConformanceError('INTERNAL', `profile ${ctx.profile.id} has no ${name} route`);
  return route;
}

/** True when the profile has route `name`. */
export function hasRoute(ctx: Pick<WfmCheckContext, 'profile'>, name: RouteName): boolean {
  return ctx.profile.routes[name] !== undefined;
}

/** The route that reports capabilities: `capabilitiesCreate` (v1 POST) or, without it, `capabilitiesUpdate` (rc.2 PUT). */
export function capabilitiesRouteName(ctx: Pick<WfmCheckContext, 'profile'>): RouteName {
  return ctx.profile.routes.capabilitiesCreate === undefined ? 'capabilitiesUpdate' : 'capabilitiesCreate';
}

/** Absolute URL of a route under the target's base URL (path prefix kept). @throws ConformanceError `ROUTE_PARAM_MISSING` */
export function urlOf(ctx: Pick<WfmCheckContext, 'target'>, route: RouteSpec, params: Readonly<Record<string, string>>): string {
  return routeUrl(ctx.target.baseUrl, route.path, params);
}

/** JSON text of a body as UTF-8 bytes (bigint kept exact). */
export function jsonBytes(value: unknown): Uint8Array {
  return new Uint8Array(Buffer.from(stringifyJson(value), 'utf8'));
}

/** The `keyid` to send for `identity` per `signatures.keyidStrategy` (spec-digest §6.10). */
export function keyidFor(ctx: Pick<WfmCheckContext, 'config'>, identity: IssuedCertificate, clientId?: string): string {
  switch (ctx.config.signatures.keyidStrategy) {
    case 'client-id':
      return clientId ?? keyIdForPublicKey(identity.x509);
    case 'fingerprint':
      return identity.fingerprint256;
    default:
      return keyIdForPublicKey(identity.x509);
  }
}

/** Signing spec of an identity: its own key, keyid per config. */
export function signedBy(ctx: Pick<WfmCheckContext, 'config'>, identity: IssuedCertificate, clientId?: string): SigningSpec {
  return { key: identity.privateKey, keyid: keyidFor(ctx, identity, clientId) };
}

/** Covered components per config: content-digest only when there is a body (or `digest.requireOnEmptyBody`). */
function componentsFor(ctx: Pick<WfmCheckContext, 'config'>, hasBody: boolean): string[] {
  const all = ctx.config.signatures.coveredComponents.map((c) => c.toLowerCase());
  return hasBody || ctx.config.digest.requireOnEmptyBody ? all : all.filter((c) => c !== 'content-digest');
}

/** Options of {@link sendRoute}. */
export interface SendRouteOptions {
  readonly label: string;
  readonly params?: Readonly<Record<string, string>>;
  readonly body?: unknown;
  /** Raw body bytes instead of JSON. */
  readonly rawBody?: Uint8Array;
  /** Extra headers (lower-case names). */
  readonly headers?: Readonly<Record<string, string>>;
  /** `unsigned` sends no Signature / Signature-Input (Content-Digest is still sent). */
  readonly signing: SigningSpec | 'unsigned';
}

/**
 * Builds the request for a profile route (JSON body with `content-type: application/json`), signs it as asked, and
 * sends it. Resolves to the exchange (never rejects for transport failures).
 * @throws ConformanceError from the signer (`KEY_UNSUPPORTED`, `SIGNING_FAULT_NOT_APPLICABLE`) or `ROUTE_PARAM_MISSING`
 */
export async function sendRoute(ctx: WfmCheckContext, name: RouteName, opts: SendRouteOptions): Promise<WfmExchange> {
  const route = routeOf(ctx, name);
  const body = opts.rawBody ?? (opts.body === undefined ? undefined : jsonBytes(opts.body));
  const headers: Record<string, string> = { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...opts.headers };
  const url = urlOf(ctx, route, opts.params ?? {});
  // An unsigned request is signed and then stripped of Signature / Signature-Input (fault `no-signature`), so it
  // carries exactly the Content-Digest a signed one would: only the signature is missing.
  const spec: SigningSpec =
    opts.signing === 'unsigned'
      ? { key: ctx.session.client?.identity.privateKey ?? (await ctx.identities.otherKey()), keyid: 'unsigned', faults: ['no-signature'] }
      : opts.signing;
  const signed = await signRequest(
    { method: route.method, url, headers: { ...headers }, ...(body === undefined ? {} : { body }) },
    {
      privateKey: spec.key,
      keyid: spec.keyid,
      created: spec.created ?? ctx.now(),
      label: ctx.config.signatures.label,
      components: componentsFor(ctx, body !== undefined && body.length > 0),
      digestMode: ctx.config.digest.mode,
      ...(spec.faults === undefined ? {} : { faults: spec.faults }),
      ...(spec.otherKey === undefined ? {} : { otherKey: spec.otherKey }),
    },
  );
  const request: WfmRequest = {
    method: signed.request.method,
    url: signed.request.url,
    headers: signed.request.headers,
    ...(signed.request.body === undefined ? {} : { body: signed.request.body }),
  };
  const signatureBase = opts.signing === 'unsigned' ? undefined : signed.signatureBase;
  return ctx.wfm.send(request, { label: opts.label, signal: ctx.signal, ...(signatureBase === undefined ? {} : { signatureBase }) });
}

/** The `certificate` field for a DER certificate per `certificate.encoding` (`auto` sends base64 of the DER). */
export function certificateFieldOf(ctx: Pick<WfmCheckContext, 'config'>, der: Uint8Array): string {
  return encodeCertificateField(der, ctx.config.certificate.encoding === 'base64-pem' ? 'base64-pem' : 'base64-der');
}

/**
 * Sends an OnboardingRequest carrying `certificateField`, signed with `signing` (the key of the carried certificate
 * for a genuine onboarding, spec-digest §6.11).
 */
export function sendOnboarding(
  ctx: WfmCheckContext,
  certificateField: string,
  signing: SigningSpec | 'unsigned',
  label: string,
): Promise<WfmExchange> {
  return sendRoute(ctx, 'onboarding', { label, body: buildOnboardingRequest(ctx.profile, certificateField), signing });
}

/** Onboards `identity` with a correctly signed OnboardingRequest. */
export function onboardIdentity(ctx: WfmCheckContext, identity: IssuedCertificate, label: string): Promise<WfmExchange> {
  return sendOnboarding(ctx, certificateFieldOf(ctx, identity.certDer), signedBy(ctx, identity), label);
}

/** Result of reading a JSON response body. */
export type JsonBody = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly message: string };

/** Parses a response body losslessly; a syntax error becomes `{ ok: false, message }` with line and column. */
export function jsonBodyOf(x: WfmExchange): JsonBody {
  const text = bodyText(x.response?.body);
  try {
    return { ok: true, value: parseJsonLossless(text) };
  } catch (err) {
    if (!isConformanceError(err, 'JSON_MALFORMED')) throw err;
    return { ok: false, message: err.message };
  }
}

/** The `clientId` member of an onboarding response as a string (a number is stringified; schema checks judge it). */
export function clientIdOf(x: WfmExchange): string | undefined {
  const parsed = jsonBodyOf(x);
  if (!parsed.ok || typeof parsed.value !== 'object' || parsed.value === null) return undefined;
  const id = (parsed.value as Record<string, unknown>)['clientId'];
  if (typeof id === 'string' && id !== '') return id;
  if (typeof id === 'number' || typeof id === 'bigint') return String(id);
  return undefined;
}

/**
 * The onboarded client of this run.
 * @throws ConformanceError `INTERNAL` when called before `wfm.onboarding.accepts-signed-request` passed (a missing `requires`)
 */
export function sessionClient(ctx: WfmCheckContext): OnboardedClient {
  const client = ctx.session.client;
  if (client === undefined) {
    throw new ConformanceError('INTERNAL', 'no onboarded client in the session: the check lacks requires wfm.onboarding.accepts-signed-request');
  }
  return client;
}

/** A DeviceCapabilitiesManifest for the session device; `deviceId` also goes in the path on rc.2. */
export function capabilitiesRequest(ctx: WfmCheckContext, clientId: string): { params: Record<string, string>; body: unknown } {
  const deviceId = `device-${clientId.replace(/[^A-Za-z0-9._~-]/g, '')}`.slice(0, 60);
  return { params: { clientId, deviceId }, body: buildCapabilities(ctx.profile, { deviceId }) };
}

/** A DeploymentStatusManifest (`installed`, one component) for `deploymentId`. */
export function deploymentStatusBody(ctx: WfmCheckContext, deploymentId: string): unknown {
  return buildDeploymentStatus(ctx.profile, {
    deploymentId,
    state: 'installed',
    components: [{ name: 'app', state: 'installed' }],
  });
}
