/**
 * @module Validating a `load.json` against `schemas/load-report.schema.json` before it is merged or trusted.
 */
import { readFileSync } from 'node:fs';
import type { ValidateFunction } from 'ajv';
import { packagePath } from '../../core/paths.js';
import type { LoadReport } from '../../core/report/load-types.js';
import { createAjv, describeAjvError } from '../../core/schema.js';

/** Name of the load report schema file under `schemas/`. */
export const LOAD_REPORT_SCHEMA_FILE = 'load-report.schema.json';

/** A compiled validator of load reports; build once per command. */
export interface LoadReportValidator {
  /** `ok` narrows `value` to a {@link LoadReport}; `errors` are `instancePath: message` lines. */
  validate(value: unknown): { ok: true; report: LoadReport } | { ok: false; errors: string[] };
}

/** Compiles the load report schema. @throws Error when the schema file is missing or invalid (a packaging bug) */
export function createLoadReportValidator(): LoadReportValidator {
  const schema = JSON.parse(readFileSync(packagePath('schemas', LOAD_REPORT_SCHEMA_FILE), 'utf8')) as object;
  const check: ValidateFunction = createAjv().compile(schema);
  return {
    validate(value) {
      if (check(value)) return { ok: true, report: value as LoadReport };
      return { ok: false, errors: (check.errors ?? []).map((e) => `${e.instancePath || '/'}: ${describeAjvError(e)}`) };
    },
  };
}
