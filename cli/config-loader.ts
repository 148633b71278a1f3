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

/** Parses a decimal flag value; `flag` names it in the error. @throws ConformanceError USAGE */
export function parseIntegerFlag(value: string | undefined, flag: string, min = 0): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value.trim()) || Number(value) < min) {
    throw new ConformanceError('USAGE', `${flag} must be a whole number ≥ ${min} (found '${value}')`);
  }
  return Number(value);
}

const FORMATS: readonly ReportFormat[] = ['json', 'junit', 'html', 'md'];

/** Parses `--format json,junit,…`. @throws ConformanceError USAGE naming the unknown format */
export function parseFormats(value: string | undefined): ReportFormat[] | undefined {
  if (value === undefined) return undefined;
  const list = value.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = list.find((f) => !FORMATS.includes(f as ReportFormat));
  if (bad !== undefined || list.length === 0) {
    throw new ConformanceError('USAGE', `--format takes a comma list of ${FORMATS.join(', ')} (found '${value}')`);
  }
  return list as ReportFormat[];
}

/**
 * Resolves the effective configuration.
 * @param flags the flag layer, already shaped like the config (undefined values are ignored)
 * @param configFile `--config` path, or `MARGO_CONFIG` when the flag is absent
 * @returns the merged, validated configuration
 * @throws ConformanceError CONFIG_INVALID (with file:line:column and key), CONFIG_FILE_UNREADABLE, PROFILE_UNKNOWN
 */
export async function loadEffectiveConfig(args: {
  flags: PartialDeep<MargoConfig>;
  configFile?: string;
  io: CliIo;
}): Promise<MargoConfig> {
  const fileName = args.configFile ?? args.io.env['MARGO_CONFIG'];
  const file = fileName === undefined || fileName === '' ? {} : await readConfigFile(fileName, args.io.cwd);
  const env = configFromEnv(args.io.env);
  failOnIssues(env.issues);
  const flags = pruneUndefined(args.flags) as PartialDeep<MargoConfig>;
  failOnIssues(validateConfigLayer(flags, 'flags'));
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
