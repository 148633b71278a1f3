/**
 * @module Console text: one progress line per check and the end-of-run summary.
 * Pure formatting (the CLI writes the strings). Text from the target is stripped of control characters so a
 * hostile response cannot move the cursor or recolour the terminal. Input must already be redacted.
 */
import pc from 'picocolors';
import type { CheckResult, RunResult, VerdictStatus } from '../check.js';
import { VERDICT_STATUSES } from '../check.js';
import type { RunProgressEvent } from '../runner.js';
import type { ReportOutcome } from './gates.js';
import { redactText } from './redact.js';

/**
 * `tty`: redraw one status line in place; otherwise one plain line per finished check (CI logs).
 * `secretValues`: configured secrets scrubbed from every line (private keys are always scrubbed), because
 * progress lines are printed during the run, before the run as a whole can be redacted.
 */
export interface ConsoleStyle {
  readonly tty: boolean;
  readonly color: boolean;
  readonly secretValues?: readonly string[];
}

const CLEAR_LINE = '\r\x1b[2K';
const MAX_MESSAGE_CHARS = 160;

/** Replaces C0/C1 control characters (ESC included) with `?` and collapses whitespace to single spaces. */
export function sanitizeForTerminal(text: string): string {
  return text.replace(/[\t\n\r]+/g, ' ').replace(/[\x00-\x1f\x7f-\x9f]/g, '?');
}

function clean(text: string, style: ConsoleStyle): string {
  return sanitizeForTerminal(redactText(text, style.secretValues));
}

/** Upper-case verdict label, padded to a fixed width, coloured when `color` is on. */
export function verdictLabel(status: VerdictStatus, color: boolean): string {
  const text = status.toUpperCase().padEnd(14);
  if (!color) return text;
  const c = pc.createColors(true);
  switch (status) {
    case 'pass':
      return c.green(text);
    case 'fail':
    case 'error':
      return c.red(text);
    case 'warn':
    case 'inconclusive':
      return c.yellow(text);
    default:
      return c.dim(text);
  }
}

/**
 * One progress string, or `undefined` when nothing is printed for this event.
 * TTY: `start` redraws the current line (no newline); `end` replaces it with the verdict line.
 * Plain: only `end` prints, one line `[3/40] FAIL  id (12 ms): message` ending in `\n`.
 */
export function formatProgress(e: RunProgressEvent, style: ConsoleStyle): string | undefined {
  const counter = `[${String(e.index + 1).padStart(String(e.total).length)}/${e.total}]`;
  if (e.type === 'start') return style.tty ? `${CLEAR_LINE}${counter} running ${e.check.id}…` : undefined;
  if (e.result === undefined) return undefined;
  const line = `${counter} ${verdictLabel(e.result.status, style.color)} ${resultLine(e.result, style)}\n`;
  return style.tty ? `${CLEAR_LINE}${line}` : line;
}

function resultLine(r: CheckResult, style: ConsoleStyle): string {
  const message = clean(r.message, style);
  const short = message.length > MAX_MESSAGE_CHARS ? `${message.slice(0, MAX_MESSAGE_CHARS)}…` : message;
  return `${r.id} (${Math.round(r.durationMs)} ms)${short === '' ? '' : `: ${short}`}`;
}

/**
 * The end-of-run summary: counts, verdict, reasons, notes and report paths.
 * Pass the redacted run (`WrittenReports.redacted`) so secrets learnt from headers are gone too.
 */
export function formatSummary(
  run: RunResult,
  outcome: ReportOutcome,
  style: ConsoleStyle,
  reportPaths: readonly string[] = [],
): string {
  const c = pc.createColors(style.color);
  const counts = VERDICT_STATUSES.filter((s) => run.counts[s] > 0)
    .map((s) => `${run.counts[s]} ${s}`)
    .join(', ');
  const verdict = outcome.conformant ? c.green('CONFORMANT') : c.red(`NOT CONFORMANT (exit ${outcome.exitCode})`);
  const lines = [
    '',
    `${c.bold('margo-conformance')} ${run.tool.version}  role ${run.role}  profile ${run.profile}`,
    `target ${clean(run.target, style)}`,
    `${run.results.length} checks: ${counts === '' ? 'none' : counts}`,
    verdict,
  ];
  for (const reason of outcome.reasons) lines.push(`  - ${clean(reason, style)}`);
  for (const note of run.notes) lines.push(c.dim(`  note: ${clean(note, style)}`));
  if (reportPaths.length > 0) lines.push('reports:', ...reportPaths.map((p) => `  ${p}`));
  return `${lines.join('\n')}\n`;
}
