/**
 * @module Reading a scenario recording: exchanges by route, TLS events, the onboardings the mock accepted, the raw
 * request bytes for re-verification, and the evidence each check attaches. Pure functions over recorded data.
 */
import type { Evidence, Verdict } from '../../core/check.js';
import { ConformanceError } from '../../core/errors.js';
import type { HttpRequestParts } from '../../core/http-signatures/index.js';
import { parseJsonLossless } from '../../core/json.js';
import type { Profile, RouteName } from '../../core/profiles/index.js';
import { REDACTED_PRIVATE_KEY, redactText, shortenSignature } from '../../core/report/index.js';
import type { RecordedExchange, RecordedTlsEvent } from '../../core/traffic.js';
import type { ClientCheckContext, ScenarioRecording } from './context.js';
import type { ClientScenarioId } from './scenarios.js';

/** Longest body excerpt kept in exchange evidence, in characters. */
const BODY_EXCERPT_CHARS = 2_000;
/** Longest tail of the client's stderr / stdout kept in a note, in characters. */
const OUTPUT_TAIL_CHARS = 2_000;
/** Everything up to the END line of a private key whose BEGIN line is not in the text (complete blocks are gone). */
const ORPHAN_PRIVATE_KEY_END = /^[\s\S]*?-----END [A-Z0-9 ]*PRIVATE KEY-----/;

/**
 * The recording of `scenario`. Throws ConformanceError `INTERNAL` when it is missing: the command runs every
 * scenario that a selected check names, so a missing one is a harness defect.
 */
export function recordingOf(ctx: ClientCheckContext, scenario: ClientScenarioId): ScenarioRecording {
  const rec = ctx.traffic.recording(scenario);
  if (rec === undefined) throw new ConformanceError('INTERNAL', `scenario ${scenario} was not run`);
  return rec;
}

/**
 * Every recording of the run, happy path first: checks that hold for every request (signatures, bodies) judge
 * them all, so a client that signs its first attempt but not its retries is caught.
 */
export function allRecordings(ctx: ClientCheckContext): ScenarioRecording[] {
  const all = [...ctx.traffic.all()];
  return [...all.filter((r) => r.scenario.id === 'happy-path'), ...all.filter((r) => r.scenario.id !== 'happy-path')];
}

/** An exchange with the scenario it was recorded in (recording ids restart in every scenario). */
export interface ScenarioExchange {
  readonly x: RecordedExchange;
  readonly scenario: ClientScenarioId;
}

/** The exchanges on any of `routes` in every scenario that ran, happy path first. */
export function everyExchangeOn(ctx: ClientCheckContext, ...routes: RouteName[]): ScenarioExchange[] {
  return allRecordings(ctx).flatMap((r) => onRoutes(r, ...routes).map((x) => ({ x, scenario: r.scenario.id })));
}

/** `retry-after #7`: a recorded exchange named by scenario and recording id. */
export function refOf(i: ScenarioExchange): string {
  return `${i.scenario} #${i.x.id}`;
}

/** Exchange evidence labelled with the scenario. */
export function scenarioExchangeEvidence(i: ScenarioExchange): Evidence {
  return exchangeEvidence(i.x, `${refOf(i)} ${i.x.route ?? 'unknown route'} (${i.x.verdict})`);
}

/** The HTTP exchanges of a recording, in arrival order. */
export function exchangesOf(rec: ScenarioRecording): RecordedExchange[] {
  return rec.entries.filter((e): e is RecordedExchange => e.type === 'exchange');
}

/** The TLS handshake events of a recording, in arrival order. */
export function tlsEventsOf(rec: ScenarioRecording): RecordedTlsEvent[] {
  return rec.entries.filter((e): e is RecordedTlsEvent => e.type === 'tls');
}

/** Exchanges on any of `routes`. */
export function onRoutes(rec: ScenarioRecording, ...routes: RouteName[]): RecordedExchange[] {
  return exchangesOf(rec).filter((x) => x.route !== undefined && routes.includes(x.route));
}

/** True when `route` is signed in `profile` (every route except the Certificate API in the RFC 9421 era). */
export function isSignedRoute(profile: Profile, route: RouteName | undefined): boolean {
  return route !== undefined && profile.routes[route]?.signed === true;
}

/** Exchanges on the profile's signed routes. */
export function signedExchanges(rec: ScenarioRecording, profile: Profile): RecordedExchange[] {
  return exchangesOf(rec).filter((x) => isSignedRoute(profile, x.route));
}

/** Routes that address one client (`/clients/{clientId}/…`): everything after onboarding. */
export function clientRoutes(profile: Profile): RouteName[] {
  return (Object.keys(profile.routes) as RouteName[]).filter((r) => profile.routes[r]?.path.includes('{clientId}'));
}

/** Unix ms at which the request arrived. */
export function arrivedMs(x: RecordedExchange | RecordedTlsEvent): number {
  return Date.parse(x.at);
}

/** Unix ms at which the response was complete (arrival + handler duration). */
export function answeredMs(x: RecordedExchange): number {
  return Date.parse(x.at) + x.durationMs;
}

/** The raw request as received, for re-verification: `url` is the target URI the mock rebuilt. */
export function requestPartsOf(x: RecordedExchange): HttpRequestParts {
  const body = Buffer.from(x.request.bodyBase64, 'base64');
  return {
    method: x.request.method,
    url: x.request.targetUri,
    headers: { ...x.request.headers },
    ...(body.length === 0 ? {} : { body: new Uint8Array(body) }),
  };
}

/** The request body as exact bytes. */
export function requestBodyOf(x: RecordedExchange): Uint8Array {
  return new Uint8Array(Buffer.from(x.request.bodyBase64, 'base64'));
}

/** A body parsed as JSON, or why it is not JSON. */
export type ParsedBody = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly message: string };

/** Parses a body as JSON without losing integer precision; an empty or non-JSON body is a result, not an error. */
export function parseBody(text: string | undefined): ParsedBody {
  if (text === undefined || text === '') return { ok: false, message: 'empty body' };
  try {
    return { ok: true, value: parseJsonLossless(text) };
  } catch (err) {
    if (err instanceof ConformanceError && err.code === 'JSON_MALFORMED') return { ok: false, message: err.message };
    throw err;
  }
}

/** The JSON value of a body, or undefined when it is not JSON (the schema checks report why). */
export function jsonOf(text: string | undefined): unknown {
  const parsed = parseBody(text);
  return parsed.ok ? parsed.value : undefined;
}

/** A member of a JSON object body as a string, or undefined. */
export function stringMember(value: unknown, name: string): string | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const member = (value as Record<string, unknown>)[name];
  return typeof member === 'string' ? member : undefined;
}

/** An onboarding the mock accepted: the exchange, the clientId it assigned and the certificate field it carried. */
export interface AcceptedOnboarding {
  readonly exchange: RecordedExchange;
  readonly clientId: string;
  readonly certificateField?: string;
}

/** Onboardings answered with a success status and a `clientId`, in order. */
export function acceptedOnboardings(rec: ScenarioRecording, profile: Profile): AcceptedOnboarding[] {
  const success = profile.routes.onboarding?.successStatuses ?? [201];
  return onRoutes(rec, 'onboarding').flatMap((exchange) => {
    if (!success.includes(exchange.response.status)) return [];
    const clientId = stringMember(jsonOf(exchange.response.body), 'clientId') ?? exchange.clientId;
    if (clientId === undefined) return [];
    const certificateField = stringMember(jsonOf(exchange.request.body), 'certificate');
    return [{ exchange, clientId, ...(certificateField === undefined ? {} : { certificateField }) }];
  });
}

/** True when `status` is a success status of `route` in `profile`. */
export function isSuccess(profile: Profile, route: RouteName | undefined, status: number): boolean {
  return route !== undefined && (profile.routes[route]?.successStatuses ?? []).includes(status);
}

/** Exchange evidence with bounded body excerpts; the exact bytes stay in the recording. */
export function exchangeEvidence(x: RecordedExchange, label?: string): Evidence {
  return {
    kind: 'exchange',
    label: label ?? `#${x.id} ${x.route ?? 'unknown route'} (${x.verdict})`,
    request: {
      method: x.request.method,
      url: x.request.targetUri,
      headers: x.request.headers,
      ...(x.request.body === undefined ? {} : { body: excerpt(x.request.body) }),
    },
    response: {
      status: x.response.status,
      headers: x.response.headers,
      ...(x.response.body === undefined ? {} : { body: excerpt(x.response.body) }),
    },
    tls: x.tls,
    durationMs: x.durationMs,
  };
}

/** TLS evidence of one handshake event, with which certificate the mock presented. */
export function tlsEvidence(e: RecordedTlsEvent, label?: string): Evidence {
  return {
    kind: 'tls',
    label: label ?? `#${e.id} ${e.kind}, ${e.servedCertificate} certificate${e.afterCaDownload ? ', after CA download' : ''}`,
    tls: {
      ...(e.protocol === undefined ? {} : { protocol: e.protocol }),
      ...(e.cipher === undefined ? {} : { cipher: e.cipher }),
      ...(e.errorCode === undefined ? {} : { errorCode: e.errorCode }),
      ...(e.errorMessage === undefined && e.alert === undefined
        ? {}
        : { errorMessage: [e.errorMessage, e.alert === undefined ? undefined : `client alert: ${e.alert}`].filter(Boolean).join('; ') }),
    },
  };
}

/** How the client process ended, in a few words: `exited with code 3`, `was stopped at the scenario timeout`. */
export function clientEnding(rec: ScenarioRecording): string {
  const c = rec.client;
  if (c.spawnError !== undefined) return `could not be started: ${c.spawnError}`;
  if (c.interrupted === true) return 'was stopped because the run was interrupted';
  if (c.mode === 'manual') return `was run by hand (${c.timedOut ? 'scenario timeout' : 'operator ended the scenario'})`;
  if (c.timedOut) return 'was still running at the scenario timeout and was stopped';
  return c.exitCode !== null ? `exited with code ${c.exitCode}` : `was ended by signal ${c.signal ?? 'unknown'}`;
}

/**
 * A note on how the client process ended, with the tail of its stderr (and stdout when stderr is empty). The
 * client's output is the client's, not ours: private keys are removed and `Signature` byte sequences shortened
 * (core/report redaction) before it becomes evidence.
 */
export function clientNote(rec: ScenarioRecording): Evidence {
  const c = rec.client;
  const lines = [`scenario ${rec.scenario.id}: the client ${clientEnding(rec)} after ${(c.durationMs / 1000).toFixed(1)} s`];
  if (c.leftoverPids !== undefined && c.leftoverPids.length > 0) {
    lines.push(`${c.leftoverPids.length} process(es) with this scenario's MARGO_RUN_ID outlived the client (they left its process group) and were killed: ${c.leftoverPids.join(', ')}`);
  }
  if (c.stderr.trim() !== '') lines.push(`stderr (tail):\n${clientOutput(c.stderr)}`);
  else if (c.stdout.trim() !== '') lines.push(`stdout (tail):\n${clientOutput(c.stdout)}`);
  else lines.push('no output');
  return { kind: 'note', label: 'client process', text: lines.join('\n') };
}

/**
 * The tail of the client's output with private keys removed and `Signature` byte sequences shortened. The harness
 * keeps only the tail of the output, so it may start inside a PEM block: text before an END line whose BEGIN was
 * cut off goes too.
 */
export function clientOutput(text: string): string {
  const withoutKeys = redactText(text).replace(ORPHAN_PRIVATE_KEY_END, REDACTED_PRIVATE_KEY);
  return tail(shortenSignature(withoutKeys));
}

/** `inconclusive` because the client never reached the point this check judges; carries the process note. */
export function notReached(rec: ScenarioRecording, message: string, evidence: readonly Evidence[] = []): Verdict {
  return { status: 'inconclusive', message: `${message} (the client ${clientEnding(rec)})`, evidence: [...evidence, clientNote(rec)] };
}

/** A `pass` verdict. */
export function passed(message: string, evidence: readonly Evidence[]): Verdict {
  return { status: 'pass', message, evidence };
}

/** A `fail` (MUST) or `warn` (SHOULD / MAY) verdict with expected and actual. */
export function violated(
  level: 'MUST' | 'SHOULD' | 'MAY',
  message: string,
  expected: string,
  actual: string,
  evidence: readonly Evidence[],
): Verdict {
  return { status: level === 'MUST' ? 'fail' : 'warn', message, expected, actual, evidence };
}

/** Short description of an exchange for messages: `POST /api/v1/onboarding → 403`. */
export function describeExchange(x: RecordedExchange): string {
  const path = pathOf(x.request.targetUri);
  return `${x.request.method} ${path} → ${x.response.status}`;
}

function pathOf(uri: string): string {
  try {
    const u = new URL(uri);
    return `${u.pathname}${u.search}`;
  } catch (err) {
    // The mock rebuilt the URI from the Host header the client sent; an unparseable one is shown as it is.
    if (err instanceof TypeError) return uri;
    throw err;
  }
}

function excerpt(text: string): string {
  return text.length <= BODY_EXCERPT_CHARS ? text : `${text.slice(0, BODY_EXCERPT_CHARS)}… (${text.length} characters)`;
}

function tail(text: string): string {
  const trimmed = text.trimEnd();
  return trimmed.length <= OUTPUT_TAIL_CHARS ? trimmed : `…${trimmed.slice(-OUTPUT_TAIL_CHARS)}`;
}
