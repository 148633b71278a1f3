/**
 * @module Baselines (`--expected-failures FILE`): known failures that keep a run green while a fix is pending.
 *
 * File format (YAML), one section per role, each entry `check-id: reason`:
 * ```yaml
 * wfm:
 *   wfm.onboarding.rejects-stale-created: "vendor ticket 123, fixed in 2.4"
 * client:
 *   client.status.reports-on-failure: "simulator firmware lacks it"
 * ```
 * A listed check that fails (or warns) is marked `expectedFailure`; a listed check that passes is a stale entry
 * and fails the run ("remove it"). An entry without a reason is a config error (BASELINE_INVALID, exit 2).
 */
import { isAlias, isMap, isScalar, LineCounter, parseDocument } from 'yaml';
import type { Document, Node as YamlNode } from 'yaml';
import type { CheckResult, Role, RunResult } from '../check.js';
import { ConformanceError } from '../errors.js';
import { firstUnresolvedAlias } from '../yaml-safe.js';

/** One listed check: its id, the operator's reason and the 1-based line of the entry in the file. */
export interface BaselineEntry {
  readonly id: string;
  readonly reason: string;
  readonly line: number;
}

/** A parsed baseline file. */
export interface Baseline {
  readonly file: string;
  readonly entries: Readonly<Record<Role, readonly BaselineEntry[]>>;
}

/** Every run note about a stale baseline entry starts with this text, followed by the check id and a space. */
export const STALE_BASELINE_PREFIX = 'stale baseline entry: ';

const ROLES: readonly Role[] = ['wfm', 'client'];

/**
 * Parses baseline YAML text. `file` is only used in messages.
 * Throws ConformanceError `BASELINE_INVALID` (details: `file`, `line`, `key`; message on one line) on YAML syntax
 * errors (`file:line:col`), an alias whose anchor is not defined before it, a top level that is not a map, an
 * unknown section, an entry without a reason, or an id outside its role's section.
 */
export function parseBaseline(text: string, file: string): Baseline {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  const firstError = doc.errors[0];
  if (firstError !== undefined) {
    const pos = firstError.linePos?.[0];
    // The yaml library's message carries a code frame on the following lines; the CLI prints one line.
    const firstLine = firstError.message.split('\n')[0] ?? firstError.code;
    throw invalid(file, pos?.line ?? 0, '', `YAML syntax error: ${firstLine}`, pos?.col);
  }
  const unresolved = firstUnresolvedAlias(doc);
  if (unresolved !== undefined) {
    const pos = unresolved.range === undefined || unresolved.range === null ? undefined : lineCounter.linePos(unresolved.range[0]);
    const name = isAlias(unresolved) ? unresolved.source : '?';
    throw invalid(file, pos?.line ?? 0, '', `unresolved alias '*${name}': define the anchor '&${name}' before using it`, pos?.col);
  }
  const entries: Record<Role, BaselineEntry[]> = { wfm: [], client: [] };
  if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) return { file, entries };
  const lineOf = (node: YamlNode | null | undefined): number =>
    node?.range === undefined || node.range === null ? 0 : lineCounter.linePos(node.range[0]).line;
  if (!isMap(doc.contents)) {
    throw invalid(file, lineOf(doc.contents), '', 'top level must be a map with sections `wfm:` and/or `client:`');
  }
  for (const section of doc.contents.items) {
    const sectionKey = isScalar(section.key) ? String(section.key.value) : '';
    const role = ROLES.find((r) => r === sectionKey);
    if (role === undefined) {
      throw invalid(file, lineOf(section.key as YamlNode), sectionKey, 'unknown section; expected `wfm:` or `client:`');
    }
    if (section.value === null || (isScalar(section.value) && section.value.value === null)) continue;
    if (!isMap(section.value)) {
      throw invalid(file, lineOf(section.value as YamlNode), role, 'section must map check ids to reasons');
    }
    for (const pair of section.value.items) {
      entries[role].push(entryOf(pair.key as YamlNode, resolved(doc, pair.value as YamlNode | null), role, file, lineOf));
    }
  }
  return { file, entries };
}

/** A reason written as an alias (`id: *known-issue`) stands for its anchored value. */
function resolved(doc: Document, node: YamlNode | null): YamlNode | null {
  return isAlias(node) ? ((node.resolve(doc) as YamlNode | undefined) ?? null) : node;
}

function entryOf(
  key: YamlNode,
  value: YamlNode | null,
  role: Role,
  file: string,
  lineOf: (node: YamlNode | null | undefined) => number,
): BaselineEntry {
  const line = lineOf(key);
  const id = isScalar(key) ? String(key.value) : '';
  if (!id.startsWith(`${role}.`)) {
    throw invalid(file, line, id, `check id must start with "${role}." in the ${role}: section`);
  }
  const reason = isScalar(value) && typeof value.value === 'string' ? value.value.trim() : '';
  if (reason === '') {
    throw invalid(file, line, id, `entry has no reason; write "${id}: <why this failure is expected>"`);
  }
  return { id, reason, line };
}

function invalid(file: string, line: number, key: string, message: string, column?: number): ConformanceError {
  const where = column === undefined ? `${file}:${line}` : `${file}:${line}:${column}`;
  return new ConformanceError('BASELINE_INVALID', `${where}: ${key === '' ? '' : `${key}: `}${message}`, {
    details: { file, line, key, ...(column === undefined ? {} : { column }) },
  });
}

/**
 * Throws ConformanceError `BASELINE_INVALID` when an entry of `role` names a check that is not in the catalogue,
 * so the CLI can refuse the file before any check runs.
 */
export function checkBaselineIds(baseline: Baseline, role: Role, catalogueIds: readonly string[]): void {
  const known = new Set(catalogueIds);
  const unknown = baseline.entries[role].find((e) => !known.has(e.id));
  if (unknown !== undefined) {
    throw invalid(baseline.file, unknown.line, unknown.id, 'no such check in the catalogue; remove the entry');
  }
}

/**
 * Returns a copy of `run` where every check listed for `run.role` carries `expectedFailure` (the reason).
 * Adds a note starting with {@link STALE_BASELINE_PREFIX} for each listed check that passed or is not in the
 * run, and an informational note for listed checks whose verdict is neither pass, fail nor warn.
 */
export function applyBaseline(run: RunResult, baseline: Baseline): RunResult {
  const listed = new Map(baseline.entries[run.role].map((e) => [e.id, e]));
  const notes = [...run.notes];
  const results = run.results.map((r): CheckResult => {
    const entry = listed.get(r.id);
    if (entry === undefined) return r;
    if (r.status === 'pass') {
      notes.push(`${STALE_BASELINE_PREFIX}${r.id} passes; remove it from ${baseline.file} (line ${entry.line})`);
    } else if (r.status !== 'fail' && r.status !== 'warn') {
      notes.push(`baseline entry ${r.id} did not apply: the check is ${r.status}`);
    }
    return { ...r, expectedFailure: entry.reason };
  });
  const present = new Set(run.results.map((r) => r.id));
  for (const e of listed.values()) {
    if (!present.has(e.id)) {
      notes.push(`${STALE_BASELINE_PREFIX}${e.id} is not in the catalogue; remove it from ${baseline.file} (line ${e.line})`);
    }
  }
  return { ...run, results, notes };
}
