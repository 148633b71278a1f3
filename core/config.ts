/**
 * @module The configuration model: every ambiguity of the spec that applies to the RFC 9421 profiles is a key
 * with the default of spec-digest §6. Layers merge from lowest to highest precedence:
 * defaults < profile defaults < file < `MARGO_*` env < flags. Sources (YAML file, env) are parsed and validated
 * against `schemas/config.schema.json` here; reading files and `process.env` stays in `cli/`.
 */
import { readFileSync } from 'node:fs';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Document, Node as YamlNode } from 'yaml';
import type { ErrorObject } from 'ajv';
import { packagePath } from './paths.js';
import { getProfile } from './profiles/registry.js';
import { createAjv, describeAjvError } from './schema.js';
import { closestName } from './suggest.js';
import { documentToJs } from './yaml-safe.js';
import {
  CONFIG_KEYS,
  deepFreeze,
  DEFAULT_CONFIG,
  type ConfigIssue,
  type ConfigValueType,
  type MargoConfig,
  type PartialDeep,
} from './config-model.js';

export {
  CONFIG_KEYS,
  DEFAULT_CONFIG,
  ENV_VARS,
  type ConfigIssue,
  type ConfigKey,
  type ConfigValueType,
  type MargoConfig,
  type PartialDeep,
  type ReportFormat,
  type SignatureAlgorithm,
} from './config-model.js';

// ---------------------------------------------------------------------------------------------------------------
// Validation against schemas/config.schema.json

function pointerSegments(pointer: string): string[] {
  return pointer === '' ? [] : pointer.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function dottedKey(segments: readonly string[]): string {
  return segments.reduce((acc, s) => (/^\d+$/.test(s) ? `${acc}[${s}]` : acc === '' ? s : `${acc}.${s}`), '');
}

function suggestion(unknown: string, allowed: readonly string[]): string {
  const best = closestName(unknown, allowed);
  return best === undefined ? '' : ` (did you mean '${best}'?)`;
}

interface LocatedError {
  readonly segments: string[];
  readonly isKey: boolean;
  readonly message: string;
}

function locate(e: ErrorObject): LocatedError {
  const segments = pointerSegments(e.instancePath);
  if (e.keyword !== 'additionalProperties') return { segments, isKey: false, message: describeAjvError(e) };
  const name = String((e.params as { additionalProperty?: unknown }).additionalProperty);
  const allowed = Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {});
  const where = segments.length === 0 ? '' : ` in '${dottedKey(segments)}'`;
  return { segments: [...segments, name], isKey: true, message: `unknown key '${name}'${where}${suggestion(name, allowed)}` };
}

function validateAgainstConfigSchema(value: unknown): LocatedError[] {
  const schema = JSON.parse(readFileSync(packagePath('schemas', 'config.schema.json'), 'utf8')) as object;
  const validate = createAjv().compile(schema);
  return validate(value) ? [] : (validate.errors ?? []).map(locate);
}

/**
 * Validates one configuration layer (partial) or a merged configuration against `schemas/config.schema.json`.
 * Returns issues with dotted keys and no positions; `source` labels them (`flag --timeout-ms`, `merged`).
 */
export function validateConfigLayer(layer: unknown, source: string): ConfigIssue[] {
  return validateAgainstConfigSchema(layer).map((e) => ({ source, key: dottedKey(e.segments), message: e.message }));
}

// ---------------------------------------------------------------------------------------------------------------
// YAML file

function yamlOffset(doc: Document, segments: readonly string[], isKey: boolean): number | undefined {
  let node: unknown = doc.contents;
  for (const [i, seg] of segments.entries()) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === seg);
      if (pair === undefined) return (node as YamlNode).range?.[0];
      if (isKey && i === segments.length - 1) return (pair.key as YamlNode).range?.[0];
      node = pair.value;
    } else if (isSeq(node)) {
      node = node.items[Number(seg)];
    } else {
      break;
    }
  }
  return (node as YamlNode | undefined)?.range?.[0];
}

/**
 * Parses a YAML (or JSON) configuration file. YAML syntax errors, unresolved aliases (`b: *y`) and any other
 * failure to read the document, unknown keys (typos, with a "did you mean") and wrong types become issues with
 * 1-based line/column and the dotted key; nothing throws. `config` is the parsed mapping
 * (possibly invalid when issues are present; the caller stops on any issue).
 */
export function parseConfigYaml(text: string, fileName: string): { config: PartialDeep<MargoConfig>; issues: ConfigIssue[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  if (doc.errors.length > 0) {
    const issues = doc.errors.map((e) => ({
      source: fileName,
      line: e.linePos?.[0].line,
      column: e.linePos?.[0].col,
      key: '',
      message: e.message.split('\n')[0] ?? e.code,
    }));
    return { config: {}, issues };
  }
  const converted = documentToJs(doc, lineCounter);
  if ('problem' in converted) {
    const { message, line, column } = converted.problem;
    return { config: {}, issues: [{ source: fileName, line, column, key: '', message }] };
  }
  const value = converted.value;
  if (value === null || value === undefined) return { config: {}, issues: [] };
  const issues = validateAgainstConfigSchema(value).map((e): ConfigIssue => {
    const offset = yamlOffset(doc, e.segments, e.isKey);
    const pos = offset === undefined ? undefined : lineCounter.linePos(offset);
    return { source: fileName, line: pos?.line, column: pos?.col, key: dottedKey(e.segments), message: e.message };
  });
  issues.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
  const isMapping = typeof value === 'object' && !Array.isArray(value);
  return { config: isMapping ? (value as PartialDeep<MargoConfig>) : {}, issues };
}

// ---------------------------------------------------------------------------------------------------------------
// Environment

const BOOLEANS: Readonly<Record<string, boolean>> = { true: true, false: false, '1': true, '0': false, yes: true, no: false };

function convertEnv(raw: string, type: ConfigValueType): { value?: unknown; error?: string } {
  const text = raw.trim();
  const list = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  switch (type) {
    case 'string':
      return { value: text };
    case 'boolean': {
      const b = BOOLEANS[text.toLowerCase()];
      return b === undefined ? { error: `must be true or false (found '${raw}')` } : { value: b };
    }
    case 'integer':
      return /^-?\d+$/.test(text) ? { value: Number(text) } : { error: `must be an integer (found '${raw}')` };
    case 'string[]':
      return { value: list };
    case 'integer[]':
      return list.every((s) => /^-?\d+$/.test(s))
        ? { value: list.map(Number) }
        : { error: `must be a comma-separated list of integers (found '${raw}')` };
  }
}

function setPath(target: Record<string, unknown>, key: string, value: unknown): void {
  const parts = key.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    node = (next !== null && typeof next === 'object' ? next : (node[part] = {})) as Record<string, unknown>;
  }
  node[parts.at(-1) ?? key] = value;
}

/**
 * Reads the `MARGO_*` variables of {@link ENV_VARS} from `env` (empty values count as unset). Lists are
 * comma-separated; booleans accept true/false/1/0/yes/no. Issues name the variable (`env MARGO_TIMEOUT_MS`).
 */
export function configFromEnv(env: Readonly<Record<string, string | undefined>>): {
  config: PartialDeep<MargoConfig>;
  issues: ConfigIssue[];
} {
  const config: Record<string, unknown> = {};
  const issues: ConfigIssue[] = [];
  for (const c of CONFIG_KEYS) {
    const raw = c.env === undefined ? undefined : env[c.env];
    if (c.env === undefined || raw === undefined || raw.trim() === '') continue;
    const converted = convertEnv(raw, c.type);
    if (converted.error !== undefined) issues.push({ source: `env ${c.env}`, key: c.key, message: converted.error });
    else setPath(config, c.key, converted.value);
  }
  for (const e of validateAgainstConfigSchema(config)) {
    const key = dottedKey(e.segments.filter((s) => !/^\d+$/.test(s)));
    const entry = CONFIG_KEYS.find((c) => c.key === key);
    issues.push({ source: entry?.env === undefined ? 'env' : `env ${entry.env}`, key: dottedKey(e.segments), message: e.message });
  }
  return { config: config as PartialDeep<MargoConfig>, issues };
}

// ---------------------------------------------------------------------------------------------------------------
// Merge and redact

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function mergeInto(base: Record<string, unknown>, layer: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(layer)) {
    if (value === undefined) continue;
    const current = base[key];
    if (isPlainObject(value) && isPlainObject(current)) mergeInto(current, value);
    else base[key] = structuredClone(value);
  }
}

/**
 * Merges layers over {@link DEFAULT_CONFIG}; later layers win, arrays are replaced whole, `undefined` is skipped.
 * Call as `mergeConfig(profile.defaults, file, env, flags)`. Returns a new, deeply frozen configuration
 * (not validated: see {@link validateConfigLayer}).
 */
export function mergeConfig(...layers: PartialDeep<MargoConfig>[]): MargoConfig {
  const result = structuredClone(DEFAULT_CONFIG) as unknown as Record<string, unknown>;
  for (const layer of layers) mergeInto(result, layer as Record<string, unknown>);
  return deepFreeze(result as unknown as MargoConfig);
}

/**
 * Resolves the effective configuration: picks the profile from the highest layer that names one, then merges
 * defaults < profile defaults < file < env < flags.
 *
 * @throws ConformanceError `PROFILE_UNKNOWN`
 */
export function resolveConfig(layers: {
  file?: PartialDeep<MargoConfig>;
  env?: PartialDeep<MargoConfig>;
  flags?: PartialDeep<MargoConfig>;
}): MargoConfig {
  const { file = {}, env = {}, flags = {} } = layers;
  const profileId = flags.profile ?? env.profile ?? file.profile ?? DEFAULT_CONFIG.profile;
  return mergeConfig(getProfile(profileId).defaults, file, env, flags);
}

const REDACTED = '[redacted]';

function redactUrl(url: string): string {
  if (!URL.canParse(url)) return REDACTED;
  const u = new URL(url);
  const userinfo = u.username !== '' || u.password !== '' ? `${REDACTED}@` : '';
  return `${u.protocol}//${userinfo}${u.host}${u.pathname}${u.search === '' ? '' : `?${REDACTED}`}${u.hash}`;
}

function scrub(value: unknown, secrets: readonly string[]): unknown {
  if (typeof value === 'string') return secrets.reduce((s, secret) => s.split(secret).join(REDACTED), value);
  if (Array.isArray(value)) return value.map((v) => scrub(v, secrets));
  if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([k2, v]) => [k2, scrub(v, secrets)]));
  return value;
}

/**
 * A copy of the configuration safe for reports: `operator.hook` and `target` lose userinfo and query,
 * every `secrets.values` entry becomes `[redacted]`, and occurrences of those values in any other string
 * (commands, paths) are replaced too.
 */
export function redactConfig(config: MargoConfig): Record<string, unknown> {
  const secrets = config.secrets.values.filter((s) => s !== '');
  const copy = scrub(structuredClone(config), secrets) as Record<string, unknown> & {
    operator: Record<string, unknown>;
    secrets: Record<string, unknown>;
  };
  if (typeof copy.operator['hook'] === 'string') copy.operator['hook'] = redactUrl(copy.operator['hook']);
  if (typeof copy['target'] === 'string') copy['target'] = redactUrl(copy['target']);
  copy.secrets['values'] = config.secrets.values.map(() => REDACTED);
  return copy;
}
