/**
 * @module Effective configuration for a command: defaults < profile defaults < `--config` file < `MARGO_*` env
 * < flags. Reads the file (the only I/O); parsing and validation live in `core/config.ts`.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  configFromEnv,
  parseConfigYaml,
  resolveConfig,
  validateConfigLayer,
  type ConfigIssue,
  type MargoConfig,
  type PartialDeep,
  type ReportFormat,
} from '../core/config.js';
import { ConformanceError } from '../core/errors.js';
import { parseFormats as parseReportFormats } from '../core/report/render.js';
import type { CliIo } from './io.js';

/** Formats a config issue as one line: `margo.yaml:2:3: signatures.maxAgeSecond: unknown key …`. */
export function formatConfigIssue(issue: ConfigIssue): string {
  const where = issue.line === undefined ? issue.source : `${issue.source}:${issue.line}:${issue.column ?? 1}`;
  return `${where}: ${issue.key === '' ? '' : `${issue.key}: `}${issue.message}`;
}

function failOnIssues(issues: readonly ConfigIssue[]): void {
  if (issues.length === 0) return;
  const [first] = issues;
  const more = issues.length > 1 ? ` (+${issues.length - 1} more: ${issues.slice(1).map(formatConfigIssue).join('; ')})` : '';
  throw new ConformanceError('CONFIG_INVALID', `${formatConfigIssue(first!)}${more}`, { details: { issues } });
}

async function readConfigFile(path: string, cwd: string): Promise<PartialDeep<MargoConfig>> {
  const full = resolve(cwd, path);
  let text: string;
  try {
    text = await readFile(full, 'utf8');
  } catch (err) {
    throw new ConformanceError('CONFIG_FILE_UNREADABLE', `cannot read config file ${path}`, { cause: err });
  }
  const { config, issues } = parseConfigYaml(text, path);
  failOnIssues(issues);
  return config;
}

/**
 * Parses a decimal flag value in `min..max`; `flag` names it in the error.
 * @returns the number, or undefined when the flag is absent
 * @throws ConformanceError USAGE for a value that is not a whole number or lies outside the range
 */
export function parseIntegerFlag(value: string | undefined, flag: string, min = 0, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value.trim());
  if (!/^\d+$/.test(value.trim()) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `from ${min} to ${max}`;
    throw new ConformanceError('USAGE', `${flag} must be a whole number ${range} (found '${value}')`);
  }
  return n;
}

/** Longest timeout a flag, env variable or config file may set, ms (10 minutes; `schemas/config.schema.json` agrees). */
export const MAX_TIMEOUT_MS = 600_000;

/**
 * Parses a timeout flag in milliseconds, 1..{@link MAX_TIMEOUT_MS}.
 * @returns ms, or undefined when the flag is absent
 * @throws ConformanceError USAGE naming `flag`
 */
export function parseTimeoutFlag(value: string | undefined, flag: string): number | undefined {
  return parseIntegerFlag(value, flag, 1, MAX_TIMEOUT_MS);
}

/**
 * Parses `--format json,junit,…` (duplicates dropped silently, case-insensitive).
 * @throws ConformanceError USAGE naming the unknown format, or for an empty list
 */
export function parseFormats(value: string | undefined): ReportFormat[] | undefined {
  return value === undefined ? undefined : parseReportFormats(value);
}

/**
 * The flag that sets each config key, so a flag-layer issue names what the user typed (`--timeout`, not
 * `timeoutMs`). Keys set by no flag keep their dotted name.
 */
const FLAG_OF_KEY: Readonly<Record<string, string>> = {
  profile: '--profile',
  target: '--target',
  timeoutMs: '--timeout',
  ca: '--ca',
  insecureBootstrap: '--insecure-bootstrap',
  'operator.command': '--operator-command',
  'operator.hook': '--operator-hook',
  'operator.interactive': '--operator-prompt',
  'reports.dir': '--report-dir',
  'reports.formats': '--format',
  failOn: '--fail-on',
  certification: '--certification',
  expectedFailures: '--expected-failures',
  'client.command': '--command',
  'client.manual': '--manual',
  'client.scenarioTimeoutMs': '--scenario-timeout',
};

/** Re-labels an issue of the flag layer with the flag's name: `--profile: must be one of …`. */
export function flagIssue(issue: ConfigIssue): ConfigIssue {
  const flag = FLAG_OF_KEY[issue.key.replace(/\[\d+\]/g, '')];
  return flag === undefined ? { ...issue, source: 'flags' } : { source: flag, key: '', message: issue.message };
}

/**
 * Resolves the effective configuration.
 * @param flags the flag layer, already shaped like the config (undefined values are ignored)
 * @param configFile `--config` path, or `MARGO_CONFIG` when the flag is absent
 * @returns the merged, validated configuration
 * @throws ConformanceError USAGE for an empty `--config`; CONFIG_INVALID (file:line:column and key, `env MARGO_X`, or
 *   the flag's name such as `--timeout`), CONFIG_FILE_UNREADABLE, PROFILE_UNKNOWN
 */
export async function loadEffectiveConfig(args: {
  flags: PartialDeep<MargoConfig>;
  configFile?: string;
  io: CliIo;
}): Promise<MargoConfig> {
  if (args.configFile !== undefined && args.configFile.trim() === '') {
    throw new ConformanceError('USAGE', '--config needs a non-empty file path');
  }
  const fileName = args.configFile ?? args.io.env['MARGO_CONFIG'];
  const file = fileName === undefined || fileName.trim() === '' ? {} : await readConfigFile(fileName, args.io.cwd);
  const env = configFromEnv(args.io.env);
  failOnIssues(env.issues);
  const flags = pruneUndefined(args.flags) as PartialDeep<MargoConfig>;
  failOnIssues(validateConfigLayer(flags, 'flags').map(flagIssue));
  const config = resolveConfig({ file, env: env.config, flags });
  failOnIssues(validateConfigLayer(config, 'effective configuration'));
  return config;
}

function pruneUndefined(value: unknown): unknown {
  if (Array.isArray(value)) return value;
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined) continue;
    const pruned = pruneUndefined(v);
    if (pruned !== null && typeof pruned === 'object' && !Array.isArray(pruned) && Object.keys(pruned).length === 0) continue;
    out[k] = pruned;
  }
  return out;
}
