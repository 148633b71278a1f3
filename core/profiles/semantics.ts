/**
 * @module Semantic checks: body rules JSON Schema cannot express (or Ajv cannot see), per body kind.
 * They run on the exact (lossless) value, after or beside schema validation, and never throw on odd shapes:
 * a rule whose inputs are missing or mistyped stays silent, because the schema already reports that.
 *
 * @see spec-digest §2.3 ("Y*" hosting fields), §2.5 (ManifestVersion range), §2.6 (bundle null when empty)
 */
import type { SchemaErrorItem } from '../check.js';
import { MAX_MANIFEST_VERSION } from '../json.js';

type Rule = (value: Record<string, unknown>) => SchemaErrorItem[];

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function item(instancePath: string, message: string): SchemaErrorItem {
  return { instancePath, keyword: 'semantic', message: `${instancePath === '' ? '(root)' : instancePath}: ${message}` };
}

/** manifestVersion ≤ 2^64 - 1, compared exactly (Ajv only sees the rounded double). */
const manifestVersionRange: Rule = (m) => {
  const v = m['manifestVersion'];
  const exact = typeof v === 'bigint' ? v : typeof v === 'number' && Number.isSafeInteger(v) ? BigInt(v) : undefined;
  if (exact === undefined || exact <= MAX_MANIFEST_VERSION) return [];
  return [item('/manifestVersion', `must be <= ${MAX_MANIFEST_VERSION} (2^64-1) (found ${exact})`)];
};

/** "bundle MUST be present and null when deployments is empty". */
const bundleNullWhenEmpty: Rule = (m) => {
  const deployments = m['deployments'];
  if (!Array.isArray(deployments) || deployments.length > 0) return [];
  if (m['bundle'] === null || !('bundle' in m)) return [];
  return [item('/bundle', 'must be null when deployments is empty (found a bundle reference)')];
};

const HOSTING_FIELDS = [
  'cpus',
  'memory',
  'storage',
  'peripherals',
  'interfaces',
  'otelCollector',
  'supportedRuntimes',
  'supportedDeploymentTypes',
] as const;

/**
 * rc.2 "Y*" fields: a hosting device reports all of them (and `otelCollector: true`); a see-thru gateway
 * that hosts no workloads omits all of them.
 */
const hostingFieldsAllOrNone: Rule = (m) => {
  const props = m['properties'];
  if (!isRecord(props)) return [];
  const present = HOSTING_FIELDS.filter((f) => f in props);
  if (present.length === 0) return [];
  const errors = HOSTING_FIELDS.filter((f) => !(f in props)).map((f) =>
    item('/properties', `missing '${f}': a workload-hosting device reports all of ${HOSTING_FIELDS.join(', ')} (found ${present.join(', ')})`),
  );
  const otel = props['otelCollector'];
  if (typeof otel === 'boolean' && !otel) {
    errors.push(item('/properties/otelCollector', 'must be true for a workload-hosting device (found false)'));
  }
  return errors;
};

const RULES: Readonly<Record<string, readonly Rule[]>> = {
  'rfc9421-v1/desired-state': [manifestVersionRange, bundleNullWhenEmpty],
  'rfc9421-rc2/desired-state': [manifestVersionRange, bundleNullWhenEmpty],
  'rfc9421-rc2/capabilities': [hostingFieldsAllOrNone],
};

/**
 * Semantic errors of a body for schema `name` (e.g. `rfc9421-v1/desired-state`), keyword `semantic`.
 * Returns `[]` for body kinds without rules. `value` is the lossless parse (bigint kept).
 */
export function semanticChecks(name: string, value: unknown): SchemaErrorItem[] {
  const rules = RULES[name];
  if (rules === undefined || !isRecord(value)) return [];
  return rules.flatMap((rule) => rule(value));
}
