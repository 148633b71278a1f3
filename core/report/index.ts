/** @module Reports: pure renderers of a RunResult (JSON, JUnit, HTML, Markdown, console), redaction, baselines, gates. */
export type { Baseline, BaselineEntry } from './baseline.js';
export { applyBaseline, checkBaselineIds, parseBaseline, STALE_BASELINE_PREFIX } from './baseline.js';
export type { ConsoleStyle } from './console.js';
export { formatProgress, formatSummary, sanitizeForTerminal, verdictLabel } from './console.js';
export { shellQuote, toCurl } from './curl.js';
export type { DiffLine, LineDiff } from './diff.js';
export { diffLines } from './diff.js';
export type { FailOn, GateOptions, GateResult, ReportOutcome } from './gates.js';
export { computeExitCode, outcomeOf } from './gates.js';
export { renderHtml } from './html.js';
export { escapeHtml } from './html-kit.js';
export type { JsonReport } from './json.js';
export { renderJson, toJsonReport } from './json.js';
export { junitKindOf, renderJUnit, xmlSafe } from './junit.js';
export { escapeMarkdown, renderMarkdown } from './markdown.js';
export type { RedactionOptions } from './redact.js';
export {
  DEFAULT_SECRET_HEADERS,
  isSecretKeyName,
  REDACTED,
  REDACTED_PRIVATE_KEY,
  redactPrivateKeys,
  redactRun,
  redactText,
  shortenSignature,
} from './redact.js';
export type { RenderedReport, ReportFormat, ReportOptions } from './render.js';
export { parseFormats, REPORT_FILE_NAMES, REPORT_FORMATS, renderReports } from './render.js';
export type { CertificationManifest, ManifestEntry, WrittenReports } from './write.js';
export { defaultReportDir, MANIFEST_FILE_NAME, writeReports } from './write.js';
