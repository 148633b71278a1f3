/**
 * @module JSON Schema validation of Margo bodies (draft 2020-12, Ajv strict mode, all errors).
 *
 * Schemas live in `schemas/<profile>/<body>.schema.json` and are named `<profile>/<body>`
 * (`rfc9421-v1/onboarding-request`). Validation = schema + the body kind's semantic checks
 * (core/profiles/semantics.ts) on the exact value. Every error carries a readable message that says what was
 * expected and what was found.
 *
 * @see https://json-schema.org/draft/2020-12
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsPkg from 'ajv-formats';
import type { SchemaErrorItem } from './check.js';
import { ConformanceError, isConformanceError } from './errors.js';
import { parseJsonLossless, toNumberShape } from './json.js';
import { packagePath } from './paths.js';
import { semanticChecks } from './profiles/semantics.js';

/** `<profile>/<body>`, e.g. `rfc9421-v1/desired-state`. */
export type SchemaName = string;

/** Result of validating one value. */
export interface SchemaValidationResult {
  readonly ok: boolean;
  readonly errors: readonly SchemaErrorItem[];
}

/** The compiled schemas. */
export interface SchemaRegistry {
  /**
   * Validates `value` (a lossless parse: bigint allowed) against schema `name` plus its semantic checks.
   * @throws ConformanceError `SCHEMA_UNKNOWN` listing the known names
   */
  validate(name: SchemaName, value: unknown): SchemaValidationResult;
  /** Known schema names, sorted. */
  names(): string[];
}

/** A new Ajv for draft 2020-12: strict mode, all errors, `data` kept on errors for messages, formats added. */
export function createAjv(): Ajv2020 {
  const ajv = new Ajv2020({ strict: true, allErrors: true, verbose: true, allowUnionTypes: true });
  addFormatsPkg.default(ajv);
  return ajv;
}

function preview(value: unknown): string {
  if (typeof value === 'string') return `'${value.length > 60 ? `${value.slice(0, 57)}...` : value}'`;
  if (Array.isArray(value)) return `an array of ${value.length} item${value.length === 1 ? '' : 's'}`;
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return String(value);
}

/** What was found, for a type error: the preview already names arrays, objects and null; scalars get their type. */
function foundForType(value: unknown): string {
  if (value === null || typeof value === 'object') return preview(value);
  return `${kindOf(value)} ${preview(value)}`;
}

function describeDuplicate(e: ErrorObject): string {
  const p = e.params as { i?: unknown; j?: unknown };
  const items = Array.isArray(e.data) ? (e.data as unknown[]) : [];
  const j = Number(p.j);
  const i = Number(p.i);
  const item = items[j];
  const shown = item === undefined ? '' : `${preview(item)} `;
  return `must not list the same item twice (${shown}is at [${Math.min(i, j)}] and [${Math.max(i, j)}])`;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function quoteList(values: unknown): string {
  return Array.isArray(values) ? values.map((v) => (typeof v === 'string' ? `'${v}'` : String(v))).join(', ') : String(values);
}

/** What one Ajv error (compiled with `verbose: true`) expected and found, without the instance path. */
export function describeAjvError(e: ErrorObject): string {
  const p = e.params as Record<string, unknown>;
  const found = `(found ${preview(e.data)})`;
  switch (e.keyword) {
    case 'required':
      return `missing required property '${String(p['missingProperty'])}'`;
    case 'additionalProperties':
      return `property '${String(p['additionalProperty'])}' is not allowed`;
    case 'unevaluatedProperties':
      return `property '${String(p['unevaluatedProperty'])}' is not allowed`;
    case 'enum':
      return `must be one of ${quoteList(p['allowedValues'])} ${found}`;
    case 'const':
      return `must be ${quoteList([p['allowedValue']])} ${found}`;
    case 'type':
      return `must be ${String(p['type']).replace(',', ' or ')} (found ${foundForType(e.data)})`;
    case 'uniqueItems':
      return describeDuplicate(e);
    case 'pattern':
      return `must match pattern ${String(p['pattern'])} ${found}`;
    case 'format':
      return `must be a valid ${String(p['format'])} ${found}`;
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return `must be ${String(p['comparison'])} ${String(p['limit'])} ${found}`;
    case 'minItems':
    case 'maxItems':
      return `must have ${e.keyword === 'minItems' ? 'at least' : 'at most'} ${String(p['limit'])} item(s) ${found}`;
    case 'minLength':
      if (e.data === '' && Number(p['limit']) === 1) return 'must not be empty';
      return `must be at least ${String(p['limit'])} character(s) long ${found}`;
    case 'maxLength':
      return `must be at most ${String(p['limit'])} character(s) long ${found}`;
    default:
      return `${e.message ?? `fails '${e.keyword}'`} ${found}`;
  }
}

/**
 * Turns Ajv errors (compiled with `verbose: true`) into readable {@link SchemaErrorItem}s whose message starts
 * with the instance path: `/properties/roles/0: must be one of 'Standalone Cluster', … (found 'standalone cluster')`.
 */
export function formatAjvErrors(errors: readonly ErrorObject[] | null | undefined): SchemaErrorItem[] {
  return (errors ?? []).map((e) => ({
    instancePath: e.instancePath,
    keyword: e.keyword,
    message: `${e.instancePath === '' ? '(root)' : e.instancePath}: ${describeAjvError(e)}`,
  }));
}

/** Reads `schemas/<profile>/*.schema.json` (top-level files such as config/report schemas are not bodies). */
function readBodySchemas(): Map<SchemaName, object> {
  const root = packagePath('schemas');
  const out = new Map<SchemaName, object>();
  for (const dir of readdirSync(root, { withFileTypes: true })) {
    if (!dir.isDirectory()) continue;
    for (const file of readdirSync(join(root, dir.name))) {
      if (!file.endsWith('.schema.json')) continue;
      const text = readFileSync(join(root, dir.name, file), 'utf8');
      out.set(`${dir.name}/${file.slice(0, -'.schema.json'.length)}`, JSON.parse(text) as object);
    }
  }
  return out;
}

/**
 * Compiles every body schema into a new registry (no caching; see {@link loadSchemaRegistry}).
 *
 * @throws Error from Ajv when a schema breaks strict mode (a defect in `schemas/`)
 */
export function createSchemaRegistry(): SchemaRegistry {
  const ajv = createAjv();
  const validators = new Map<SchemaName, ValidateFunction>();
  for (const [name, schema] of readBodySchemas()) validators.set(name, ajv.compile(schema));
  const names = [...validators.keys()].sort();
  return Object.freeze({
    names: () => [...names],
    validate(name: SchemaName, value: unknown): SchemaValidationResult {
      const fn = validators.get(name);
      if (fn === undefined) {
        throw new ConformanceError('SCHEMA_UNKNOWN', `unknown schema '${name}'; known: ${names.join(', ')}`, {
          details: { schema: name },
        });
      }
      fn(toNumberShape(value));
      const errors = [...formatAjvErrors(fn.errors), ...semanticChecks(name, value)];
      return { ok: errors.length === 0, errors };
    },
  });
}

// The registry is immutable (frozen, compiled from package data), so one per process is safe and saves
// recompiling ~16 schemas for every check; the brief allows this single exception to "no module state".
const memo: { registry?: SchemaRegistry } = {};

/**
 * The process-wide compiled registry (compiled on first use).
 *
 * @throws Error from Ajv when a schema breaks strict mode
 */
export function loadSchemaRegistry(): SchemaRegistry {
  memo.registry ??= createSchemaRegistry();
  return memo.registry;
}

/**
 * Parses a body losslessly and validates it. A JSON syntax error gives `ok: false` with one error of keyword
 * `json` whose message names line, column and offset; `value` is set when the text parsed.
 *
 * @throws ConformanceError `SCHEMA_UNKNOWN` for an unknown schema name
 */
export function validateJsonBody(
  registry: SchemaRegistry,
  name: SchemaName,
  bodyText: string,
): SchemaValidationResult & { value?: unknown } {
  if (!registry.names().includes(name)) return registry.validate(name, undefined); // throws SCHEMA_UNKNOWN
  let value: unknown;
  try {
    value = parseJsonLossless(bodyText);
  } catch (err) {
    if (!isConformanceError(err, 'JSON_MALFORMED')) throw err;
    return { ok: false, errors: [{ instancePath: '', keyword: 'json', message: err.message }] };
  }
  return { ...registry.validate(name, value), value };
}
