/**
 * @module Judging a refusal: the status (gated, see suites/expect.ts `expectRejected`) and, when `errors.format` asks
 * for it, the error body: `{error}` (`json`) or RFC 9457 problem details (`problem+json`). The default `lenient`
 * judges the status code only, because the RFC 9421 era has three incompatible error shapes (spec-digest §6.17).
 */
import type { Verdict } from '../../core/check.js';
import { exchangeEvidence, expectRejected, expectSchema, fail, responseHeader } from '../expect.js';
import type { WfmCheckContext, WfmExchange } from './context.js';
import { jsonBodyOf } from './requests.js';

/**
 * Expects `x` to be refused with one of `statuses`, and its error body to follow `errors.format`.
 * Returns `pass`, `fail` (accepted, wrong status, or a body that breaks the configured error schema) or
 * `inconclusive` (no HTTP answer).
 * @see RFC 9457 §3 (problem details members), spec-digest §2.8
 */
export function expectRefused(ctx: WfmCheckContext, x: WfmExchange, statuses: readonly number[], what: string): Verdict {
  const verdict = expectRejected(x, statuses, { what });
  const format = ctx.config.errors.format;
  if (verdict.status !== 'pass' || format === 'lenient') return verdict;
  const evidence = exchangeEvidence(x);
  const schema = `${ctx.profile.id}/${format === 'problem+json' ? 'problem' : 'error'}`;
  const type = responseHeader(x, 'content-type')?.split(';')[0]?.trim().toLowerCase();
  const wantType = format === 'problem+json' ? ctx.profile.mediaTypes.problem : 'application/json';
  if (type !== wantType) {
    return fail(`${what}: refused, but the error body is ${type ?? 'untyped'} (errors.format ${format})`, wantType, type ?? 'no Content-Type', evidence);
  }
  const body = jsonBodyOf(x);
  if (!body.ok) return fail(`${what}: refused, but the error body is not JSON`, `a ${schema} body`, body.message, evidence);
  const judged = expectSchema(ctx.schemas, schema, body.value, `${what}: error body`, evidence);
  return judged.status === 'pass' ? verdict : judged;
}
