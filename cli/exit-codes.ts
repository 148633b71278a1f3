/**
 * @module Exit codes of the `margo-conformance` command (STYLE.md §3). Only `cli/main.ts` calls `process.exit`.
 */
import { isConformanceError, type ErrorCode } from '../core/errors.js';

/** 0 conformant; 1 conformance failures; 2 usage or config error; 3 target unreachable or TLS setup failed; 4 harness error; 5 nothing executed. */
export const EXIT = {
  conformant: 0,
  failures: 1,
  usage: 2,
  unreachable: 3,
  harness: 4,
  nothingExecuted: 5,
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

const USAGE_CODES: readonly ErrorCode[] = [
  'USAGE',
  'CONFIG_INVALID',
  'CONFIG_FILE_UNREADABLE',
  'TARGET_URL_INVALID',
  'PROFILE_UNKNOWN',
  'BASELINE_INVALID',
];
const UNREACHABLE_CODES: readonly ErrorCode[] = ['TARGET_UNREACHABLE', 'TLS_SETUP_FAILED', 'CA_UNAVAILABLE'];

/** Maps a thrown error to its exit code: usage/config → 2, reachability/TLS → 3, anything else → 4. */
export function exitCodeForError(err: unknown): ExitCode {
  if (isConformanceError(err, ...USAGE_CODES)) return EXIT.usage;
  if (isConformanceError(err, ...UNREACHABLE_CODES)) return EXIT.unreachable;
  return EXIT.harness;
}

/**
 * One line for the user: `error [CODE]: message`, plus the cause's message when it adds something. Line breaks
 * inside messages (a library's code frame, a multi-line stderr excerpt) are folded into spaces.
 */
export function formatErrorLine(err: unknown): string {
  if (isConformanceError(err)) {
    const cause = err.cause instanceof Error && !err.message.includes(err.cause.message) ? ` (${err.cause.message})` : '';
    return oneLine(`error [${err.code}]: ${err.message}${cause}`);
  }
  const message = err instanceof Error ? err.message : String(err);
  return oneLine(`error [INTERNAL]: ${message}`);
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
