/**
 * @module The check model: what a conformance check is, what it returns, and what a run produces.
 *
 * A check is data plus one `run` function. The runner (`core/runner.ts`) selects, orders and runs checks and
 * returns a {@link RunResult}; renderers in `core/report/` turn that into JSON, JUnit, HTML and Markdown.
 * Verdict semantics follow STYLE.md §3.
 */

/** Which implementation a check judges: `wfm` = a WFM server (we are the client); `client` = a device's WFM client. */
export type Role = 'wfm' | 'client';

/** The RFC 2119 keyword of the clause: MUST / MUST NOT → `MUST`, SHOULD / SHOULD NOT → `SHOULD`. */
export type Level = 'MUST' | 'SHOULD' | 'MAY';

/**
 * Verdict statuses.
 * - `pass`: observed behaviour meets the clause.
 * - `fail`: a MUST clause is violated (carries expected/actual).
 * - `warn`: a SHOULD clause is not met.
 * - `skip`: not run, for a stated reason (filtered out, operator action not configured).
 * - `not-applicable`: the profile or config excludes the clause.
 * - `inconclusive`: a precondition did not pass, or the implementation never reached the decision point.
 * - `error`: the tool itself failed.
 */
export type VerdictStatus = 'pass' | 'fail' | 'warn' | 'skip' | 'not-applicable' | 'inconclusive' | 'error';

/** All statuses, in report order. */
export const VERDICT_STATUSES: readonly VerdictStatus[] = [
  'pass',
  'fail',
  'warn',
  'skip',
  'not-applicable',
  'inconclusive',
  'error',
];

/** Where a requirement lives: a spec file (or RFC), its section, and a one-line quote or paraphrase. */
export interface ClauseRef {
  /** e.g. `margo:device-client-onboarding`, `margo:api-requirements-and-security`, `rfc9421`. */
  readonly source: string;
  readonly section: string;
  readonly quote: string;
}

/** A secondary reference (RFC section and the like). */
export interface RelatedRef {
  readonly source: string;
  readonly section: string;
}

/** Headers as sent or received, lower-case names. Multi-valued headers are joined with `, `. */
export type HeaderMap = Readonly<Record<string, string>>;

/** One HTTP request as sent on the wire (body as text, possibly truncated; binary bodies as base64 with a marker). */
export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: HeaderMap;
  readonly body?: string;
}

/** One HTTP response. */
export interface RecordedResponse {
  readonly status: number;
  readonly headers: HeaderMap;
  readonly body?: string;
}

/** TLS facts of one connection attempt. */
export interface TlsFacts {
  /** Negotiated protocol, e.g. `TLSv1.3`, when the handshake completed. */
  readonly protocol?: string;
  readonly cipher?: string;
  /** OpenSSL / Node error code when the handshake failed, e.g. `SELF_SIGNED_CERT_IN_CHAIN`. */
  readonly errorCode?: string;
  readonly errorMessage?: string;
  /** True when the peer's certificate chain verified against the trust anchor in use. */
  readonly authorized?: boolean;
}

/** Evidence is data, never preformatted text; each renderer decides how to show it. Private keys never appear. */
export type Evidence =
  | {
      readonly kind: 'exchange';
      readonly label?: string;
      readonly request: RecordedRequest;
      readonly response?: RecordedResponse;
      /** Transport-level failure instead of a response (`ECONNRESET`, `UND_ERR_SOCKET`, …). */
      readonly transportError?: string;
      readonly tls?: TlsFacts;
      readonly durationMs?: number;
    }
  | {
      readonly kind: 'signature-base';
      readonly label?: string;
      /** The signature base rebuilt from the request as received (or as signed, on the signing side). */
      readonly base: string;
      /** The signature base a conformant peer would have signed, when it differs and is known. */
      readonly expected?: string;
      /** Typed verification outcome, e.g. `ok`, `bad-signature`, `stale-created`. */
      readonly outcome?: string;
    }
  | {
      readonly kind: 'certificate';
      readonly label?: string;
      readonly subject: string;
      readonly issuer: string;
      readonly spkiSha256: string;
      readonly fingerprint256: string;
      readonly notBefore: string;
      readonly notAfter: string;
      readonly keyType?: string;
    }
  | { readonly kind: 'tls'; readonly label?: string; readonly tls: TlsFacts; readonly host?: string; readonly port?: number }
  | {
      readonly kind: 'schema-errors';
      readonly label?: string;
      /** Schema name, e.g. `rfc9421-v1/onboarding-response`. */
      readonly schema: string;
      readonly errors: readonly SchemaErrorItem[];
    }
  | { readonly kind: 'note'; readonly label?: string; readonly text: string };

/** One readable schema error: where, which keyword, what was expected and what was found. */
export interface SchemaErrorItem {
  readonly instancePath: string;
  readonly keyword: string;
  readonly message: string;
}

/** What a check's `run` returns. */
export interface Verdict {
  readonly status: VerdictStatus;
  /** One line saying what was observed. */
  readonly message: string;
  readonly expected?: string;
  readonly actual?: string;
  readonly evidence: readonly Evidence[];
  /** For `error`: the ConformanceError code. */
  readonly errorCode?: string;
}

/** Context every check receives; role-specific handles are added by the suite (`ctx.wfm`, `ctx.traffic`). */
export interface BaseCheckContext {
  /** Unix seconds. Checks never read the wall clock themselves. */
  now(): number;
  readonly signal: AbortSignal;
}

/**
 * A conformance check. `Ctx` is the suite's context type.
 * `requires` lists check ids that must have passed (or warned) first; otherwise the runner records `inconclusive`.
 * `faults` names the deliberate faults (mock WFM faults for `wfm` checks, simulator faults for `client` checks)
 * that this check exists to catch; selftest asserts that each one makes this check fail.
 */
export interface Check<Ctx extends BaseCheckContext = BaseCheckContext> {
  /** `<role>.<area>.<behaviour>`; never renamed once released. */
  readonly id: string;
  readonly title: string;
  readonly role: Role;
  readonly level: Level;
  readonly clause: ClauseRef;
  readonly related?: readonly RelatedRef[];
  /** Profiles in which the clause exists; in any other profile the check is `not-applicable`. */
  readonly profiles: readonly string[];
  readonly requires?: readonly string[];
  /** True when the implementation must refuse something: the verdict needs proof the decision point was reached. */
  readonly negative?: boolean;
  readonly faults?: readonly string[];
  run(ctx: Ctx): Promise<Verdict>;
}

/** Identity function that lets TypeScript infer a check's context type. */
export function defineCheck<Ctx extends BaseCheckContext>(check: Check<Ctx>): Check<Ctx> {
  return check;
}

/** The area of a check id: `wfm.onboarding.x` → `onboarding`. */
export function areaOf(id: string): string {
  return id.split('.')[1] ?? 'general';
}

/** One check's outcome within a run. */
export interface CheckResult {
  readonly id: string;
  readonly title: string;
  readonly role: Role;
  readonly area: string;
  readonly level: Level;
  readonly clause: ClauseRef;
  readonly related?: readonly RelatedRef[];
  readonly status: VerdictStatus;
  readonly message: string;
  readonly expected?: string;
  readonly actual?: string;
  readonly evidence: readonly Evidence[];
  readonly errorCode?: string;
  /** ISO 8601. */
  readonly startedAt: string;
  readonly durationMs: number;
  /** Set when a baseline (`--expected-failures`) lists this check; the reason given there. */
  readonly expectedFailure?: string;
}

/** Verdict counts by status. */
export type VerdictCounts = Readonly<Record<VerdictStatus, number>>;

/** The whole run: the source of truth for every report format. */
export interface RunResult {
  readonly reportVersion: '1.0';
  readonly tool: { readonly name: 'margo-conformance'; readonly version: string };
  readonly role: Role;
  readonly profile: string;
  readonly specRevision: string;
  /** Target URL for `wfm`, client command (redacted) for `client`. */
  readonly target: string;
  /** Effective configuration, redacted. */
  readonly config: Readonly<Record<string, unknown>>;
  /** ISO 8601. */
  readonly startedAt: string;
  readonly finishedAt: string;
  /** SHA-256 hex over the sorted list of check ids and levels that make up the catalogue of this role/profile. */
  readonly catalogueHash: string;
  readonly results: readonly CheckResult[];
  readonly counts: VerdictCounts;
  /** Notes about the run as a whole (insecure bootstrap used, baseline entries that went stale, …). */
  readonly notes: readonly string[];
}

/** Counts verdicts by status. */
export function countVerdicts(results: readonly Pick<CheckResult, 'status'>[]): VerdictCounts {
  const counts = Object.fromEntries(VERDICT_STATUSES.map((s) => [s, 0])) as Record<VerdictStatus, number>;
  for (const r of results) counts[r.status] += 1;
  return counts;
}
