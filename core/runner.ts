/**
 * @module The conformance runner: selects, orders and runs checks, and returns a {@link RunResult}.
 *
 * No fs, no console: progress goes to `onProgress`, and reports are rendered from the result by `core/report/`.
 * Verdict semantics follow STYLE.md §3.
 */
import { createHash } from 'node:crypto';
import type { BaseCheckContext, Check, CheckResult, Evidence, Role, RunResult, Verdict } from './check.js';
import { areaOf, countVerdicts, VERDICT_STATUSES } from './check.js';
import type { Clock } from './clock.js';
import { ConformanceError, isConformanceError } from './errors.js';
import { toolVersion } from './paths.js';

/** Label of the `note` evidence the runner attaches when it records `inconclusive` without calling `run`. */
export const UNMET_PRECONDITION_LABEL = 'unmet-precondition';

/** Progress of a run: one `start` and one `end` event per check, in run order; `index` is 0-based. */
export interface RunProgressEvent {
  type: 'start' | 'end';
  check: Check<any>;
  index: number;
  total: number;
  result?: CheckResult;
}

/** Everything {@link runChecks} needs; the caller supplies the context factory, the clock and the timeout. */
export interface RunOptions<Ctx extends BaseCheckContext> {
  role: Role;
  profileId: string;
  specRevision: string;
  target: string;
  /** Effective config, already redacted. */
  config: Record<string, unknown>;
  /** Every check of the role (for the catalogue hash and `list`). */
  catalogue: readonly Check<Ctx>[];
  /** Ids or globs (`wfm.onboarding.*`). Prerequisites of selected checks are pulled in automatically. */
  only?: readonly string[];
  skip?: readonly string[];
  /** Builds the context of one check; `signal` aborts on the per-check timeout or when the run is aborted. */
  makeContext(signal: AbortSignal): Ctx;
  clock: Clock;
  /** Per-check timeout in milliseconds. */
  checkTimeoutMs: number;
  signal?: AbortSignal;
  onProgress?(e: RunProgressEvent): void;
  notes?: readonly string[];
}

/** True when a result's verdict came from the check's own `run` (what exit code 5 counts), not from the runner. */
export function wasExecuted(result: Pick<CheckResult, 'status' | 'evidence'>): boolean {
  switch (result.status) {
    case 'pass':
    case 'fail':
    case 'warn':
    case 'error':
      return true;
    case 'inconclusive':
      return !result.evidence.some((e) => e.kind === 'note' && e.label === UNMET_PRECONDITION_LABEL);
    default:
      return false;
  }
}

/**
 * Runs the catalogue sequentially in dependency order and returns the whole run.
 * Every catalogue check gets exactly one result: `not-applicable` outside the profile, `skip` when filtered out,
 * `inconclusive` when a precondition did not pass (or a negative check never reached its decision point),
 * `error` for harness failures (ConformanceError code; `TIMEOUT` after `checkTimeoutMs`; `RUN_ABORTED`).
 * Throws ConformanceError `INTERNAL` for a catalogue defect (duplicate id, unknown or cyclic `requires`).
 * @see STYLE.md §3 (verdict statuses, negative checks)
 */
export async function runChecks<Ctx extends BaseCheckContext>(opts: RunOptions<Ctx>): Promise<RunResult> {
  const startedAt = iso(opts.clock);
  const ordered = orderChecks(opts.catalogue);
  const selection = selectChecks(ordered, opts.only ?? [], opts.skip ?? []);
  const notes = [...(opts.notes ?? []), ...selection.notes];
  const byId = new Map<string, CheckResult>();
  for (const [index, check] of ordered.entries()) {
    opts.onProgress?.({ type: 'start', check, index, total: ordered.length });
    const result = await resultOf(check, selection, byId, opts, notes);
    byId.set(check.id, result);
    opts.onProgress?.({ type: 'end', check, index, total: ordered.length, result });
  }
  const results = [...byId.values()];
  return {
    reportVersion: '1.0',
    tool: { name: 'margo-conformance', version: toolVersion },
    role: opts.role,
    profile: opts.profileId,
    specRevision: opts.specRevision,
    target: opts.target,
    config: opts.config,
    startedAt,
    finishedAt: iso(opts.clock),
    catalogueHash: catalogueHash(opts.catalogue.filter((c) => c.profiles.includes(opts.profileId))),
    results,
    counts: countVerdicts(results),
    notes,
  };
}

/** Decides one check: runner verdicts first (profile, filter, preconditions, abort), then `run`. */
async function resultOf<Ctx extends BaseCheckContext>(
  check: Check<Ctx>,
  selection: Selection,
  done: ReadonlyMap<string, CheckResult>,
  opts: RunOptions<Ctx>,
  notes: string[],
): Promise<CheckResult> {
  const startedAt = iso(opts.clock);
  const decided = (verdict: Verdict): CheckResult => toResult(check, verdict, startedAt, 0);
  if (!check.profiles.includes(opts.profileId)) {
    return decided(runnerVerdict('not-applicable', `not in profile ${opts.profileId}`));
  }
  const filtered = selection.filteredOut.get(check.id);
  if (filtered !== undefined) return decided(runnerVerdict('skip', filtered));
  const unmet = (check.requires ?? []).flatMap((id) => {
    const status = done.get(id)?.status ?? 'missing';
    return status === 'pass' || status === 'warn' ? [] : [`${id} is ${status}`];
  });
  if (unmet.length > 0) {
    const text = `unmet precondition: ${unmet.join('; ')}`;
    return decided({
      ...runnerVerdict('inconclusive', text),
      evidence: [{ kind: 'note', label: UNMET_PRECONDITION_LABEL, text }],
    });
  }
  if (opts.signal?.aborted === true) return decided(runnerVerdict('skip', 'run aborted before this check started'));
  const t0 = opts.clock.nowMs();
  const raw = await executeCheck(check, opts);
  const verdict = reviewVerdict(check, raw, notes);
  const prerequisiteOf = selection.pulledIn.get(check.id);
  const message = prerequisiteOf === undefined ? verdict.message : `${verdict.message} [run as a prerequisite of ${prerequisiteOf}]`;
  return toResult(check, { ...verdict, message }, startedAt, Math.max(0, opts.clock.nowMs() - t0));
}

/** Calls `run` under a per-check AbortSignal; maps throws, timeouts and aborts to `error` verdicts. */
async function executeCheck<Ctx extends BaseCheckContext>(check: Check<Ctx>, opts: RunOptions<Ctx>): Promise<Verdict> {
  const controller = new AbortController();
  const timeout = new ConformanceError('TIMEOUT', `check did not finish within ${opts.checkTimeoutMs} ms`);
  const aborted = new ConformanceError('RUN_ABORTED', 'run aborted while this check was running');
  const timer = setTimeout(() => controller.abort(timeout), opts.checkTimeoutMs);
  const onRunAbort = (): void => controller.abort(aborted);
  opts.signal?.addEventListener('abort', onRunAbort, { once: true });
  // A check that ignores its signal must still not hang the run: race `run` against the abort.
  const abortPromise = new Promise<never>((_, reject) => {
    controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
  });
  try {
    const ctx = opts.makeContext(controller.signal);
    return validVerdict(await Promise.race([check.run(ctx), abortPromise]));
  } catch (err) {
    return errorVerdict(controller.signal.aborted ? controller.signal.reason : err);
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onRunAbort);
  }
}

/** Guards against malformed verdicts from a check (a bug in the check, reported as `error INTERNAL`). */
function validVerdict(v: unknown): Verdict {
  const candidate = v as Partial<Verdict> | null | undefined;
  if (
    typeof candidate !== 'object' ||
    candidate === null ||
    !VERDICT_STATUSES.includes(candidate.status as Verdict['status']) ||
    typeof candidate.message !== 'string' ||
    !Array.isArray(candidate.evidence)
  ) {
    throw new ConformanceError('INTERNAL', 'check returned a malformed verdict (needs status, message, evidence[])');
  }
  return candidate as Verdict;
}

function errorVerdict(err: unknown): Verdict {
  if (isConformanceError(err)) {
    return { status: 'error', message: err.message, errorCode: err.code, evidence: [] };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { status: 'error', message: `internal error: ${message}`, errorCode: 'INTERNAL', evidence: [] };
}

/**
 * Systemic rules applied to every verdict from `run`:
 * 1. `warn` on a MUST check is a bug in the check; it counts as `fail` (MUST clauses have no soft outcome).
 * 2. A negative check passes only with evidence that the decision point was reached; otherwise `inconclusive`.
 */
function reviewVerdict(check: Check<any>, verdict: Verdict, notes: string[]): Verdict {
  if (verdict.status === 'warn' && check.level === 'MUST') {
    notes.push(`${check.id}: returned warn on a MUST clause; counted as fail (a defect in the check)`);
    return { ...verdict, status: 'fail', message: `${verdict.message} (warn on a MUST clause counts as fail)` };
  }
  if (check.negative === true && verdict.status === 'pass' && !reachedDecisionPoint(verdict.evidence)) {
    return {
      ...verdict,
      status: 'inconclusive',
      message: `decision point not reached: no answered exchange or TLS handshake attempt in the evidence (${verdict.message})`,
    };
  }
  return verdict;
}

/** True when evidence shows the peer answered a request or a TLS handshake was attempted. */
export function reachedDecisionPoint(evidence: readonly Evidence[]): boolean {
  return evidence.some((e) => {
    if (e.kind === 'exchange') return e.response !== undefined || handshakeAttempted(e.tls);
    if (e.kind === 'tls') return handshakeAttempted(e.tls);
    return false;
  });
}

function handshakeAttempted(tls: { protocol?: string; errorCode?: string } | undefined): boolean {
  return tls !== undefined && (tls.protocol !== undefined || tls.errorCode !== undefined);
}

function runnerVerdict(status: Verdict['status'], message: string): Verdict {
  return { status, message, evidence: [] };
}

function toResult(check: Check<any>, v: Verdict, startedAt: string, durationMs: number): CheckResult {
  return {
    id: check.id,
    title: check.title,
    role: check.role,
    area: areaOf(check.id),
    level: check.level,
    clause: check.clause,
    ...(check.related === undefined ? {} : { related: check.related }),
    status: v.status,
    message: v.message,
    ...(v.expected === undefined ? {} : { expected: v.expected }),
    ...(v.actual === undefined ? {} : { actual: v.actual }),
    evidence: v.evidence,
    ...(v.errorCode === undefined ? {} : { errorCode: v.errorCode }),
    startedAt,
    durationMs,
  };
}

function iso(clock: Clock): string {
  return new Date(clock.nowMs()).toISOString();
}

// ---------------------------------------------------------------------------------------------------------------
// Catalogue: ordering, hashing, selection and listing.

/**
 * Orders checks so that every check comes after the checks it `requires` (topological, stable: among checks
 * whose prerequisites are met, catalogue order wins).
 * Throws ConformanceError `INTERNAL` on a duplicate id, a `requires` naming an unknown id, or a cycle.
 */
export function orderChecks<T extends { id: string; requires?: readonly string[] }>(checks: readonly T[]): T[] {
  const byId = new Map<string, T>();
  for (const c of checks) {
    if (byId.has(c.id)) throw new ConformanceError('INTERNAL', `duplicate check id in catalogue: ${c.id}`);
    byId.set(c.id, c);
  }
  for (const c of checks) {
    for (const r of c.requires ?? []) {
      if (!byId.has(r)) throw new ConformanceError('INTERNAL', `${c.id} requires unknown check ${r}`);
    }
  }
  const placed = new Set<string>();
  const out: T[] = [];
  while (out.length < checks.length) {
    const next = checks.find((c) => !placed.has(c.id) && (c.requires ?? []).every((r) => placed.has(r)));
    if (next === undefined) {
      const stuck = checks.filter((c) => !placed.has(c.id)).map((c) => c.id);
      throw new ConformanceError('INTERNAL', `cyclic requires among checks: ${stuck.join(', ')}`);
    }
    placed.add(next.id);
    out.push(next);
  }
  return out;
}

/**
 * SHA-256 (lower-case hex) over the sorted lines `<id> <level>\n` of the given checks. The runner hashes the
 * checks of the run's role that exist in its profile, so two runs with the same hash judged the same catalogue.
 */
export function catalogueHash(checks: readonly Pick<Check<any>, 'id' | 'level'>[]): string {
  const lines = checks.map((c) => `${c.id} ${c.level}\n`).sort();
  return createHash('sha256').update(lines.join('')).digest('hex');
}

/**
 * True when a check id matches an `--only` / `--skip` pattern: `*` matches any run of characters (dots included),
 * `?` one character; everything else is literal. A pattern without wildcards must equal the id.
 */
export function matchesGlob(id: string, pattern: string): boolean {
  const source = [...pattern]
    .map((ch) => (ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`).test(id);
}

/** One row of the `list` command. */
export interface CatalogueEntry {
  id: string;
  title: string;
  level: Check['level'];
  profiles: readonly string[];
  /** True when the check exists in `profileId`. */
  applicable: boolean;
  requires: readonly string[];
}

/** The catalogue in run order, for the `list` command; touches no target. Throws like {@link orderChecks}. */
export function listCatalogue(
  checks: readonly Pick<Check<any>, 'id' | 'title' | 'level' | 'profiles' | 'requires'>[],
  profileId: string,
): CatalogueEntry[] {
  return orderChecks(checks).map((c) => ({
    id: c.id,
    title: c.title,
    level: c.level,
    profiles: c.profiles,
    applicable: c.profiles.includes(profileId),
    requires: c.requires ?? [],
  }));
}

/** Which checks the filters removed (with the reason) and which were pulled in as prerequisites (of which check). */
interface Selection {
  filteredOut: Map<string, string>;
  pulledIn: Map<string, string>;
  notes: string[];
}

/**
 * Applies `--only` and `--skip`. An explicit `--skip` wins over a prerequisite pull-in: the dependants then end
 * `inconclusive` naming the skipped precondition, which is what the operator asked for.
 */
function selectChecks(
  ordered: readonly Pick<Check<any>, 'id' | 'requires'>[],
  only: readonly string[],
  skip: readonly string[],
): Selection {
  const notes: string[] = [];
  const skippedBy = new Map<string, string>();
  for (const c of ordered) {
    const pattern = skip.find((p) => matchesGlob(c.id, p));
    if (pattern !== undefined) skippedBy.set(c.id, pattern);
  }
  const selected = new Set(
    ordered.filter((c) => only.length === 0 || only.some((p) => matchesGlob(c.id, p))).map((c) => c.id),
  );
  for (const p of [...only, ...skip]) {
    if (!ordered.some((c) => matchesGlob(c.id, p))) notes.push(`pattern ${p} matched no check`);
  }
  const requiresOf = new Map(ordered.map((c) => [c.id, c.requires ?? []]));
  const pulledIn = new Map<string, string>();
  const visit = (dependant: string): void => {
    for (const r of requiresOf.get(dependant) ?? []) {
      if (selected.has(r) || pulledIn.has(r) || skippedBy.has(r)) continue;
      pulledIn.set(r, dependant);
      notes.push(`${r} was run as a prerequisite of ${dependant}`);
      visit(r);
    }
  };
  for (const id of selected) if (!skippedBy.has(id)) visit(id);
  const filteredOut = new Map<string, string>();
  for (const c of ordered) {
    const pattern = skippedBy.get(c.id);
    if (pattern !== undefined) filteredOut.set(c.id, `filtered out by --skip ${pattern}`);
    else if (!selected.has(c.id) && !pulledIn.has(c.id)) {
      filteredOut.set(c.id, `filtered out: not matched by --only ${only.join(', ')}`);
    }
  }
  return { filteredOut, pulledIn, notes };
}
