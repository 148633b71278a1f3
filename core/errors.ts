/**
 * @module ConformanceError: the one error class of the project, with a stable `code`.
 *
 * When the implementation under test breaks the spec, the result is a `fail` verdict, not an exception.
 * A ConformanceError means the work itself could not go on (bad config, unreachable target, a bug).
 * Only `cli/main.ts` maps codes to exit codes.
 */

/** Every error code in the project. Add new codes here, never inline. */
export type ErrorCode =
  // usage and configuration (exit 2)
  | 'USAGE'
  | 'CONFIG_INVALID'
  | 'CONFIG_FILE_UNREADABLE'
  | 'TARGET_URL_INVALID'
  | 'PROFILE_UNKNOWN'
  | 'BASELINE_INVALID'
  // target reachability and TLS setup (exit 3)
  | 'TARGET_UNREACHABLE'
  | 'TLS_SETUP_FAILED'
  | 'CA_UNAVAILABLE'
  // protocol parsing of untrusted input (turned into verdicts or HTTP statuses at the edge)
  | 'CONTENT_DIGEST_MISSING'
  | 'CONTENT_DIGEST_MALFORMED'
  | 'CONTENT_DIGEST_MISMATCH'
  | 'CONTENT_DIGEST_UNSUPPORTED_ALGORITHM'
  | 'SIGNATURE_INPUT_MALFORMED'
  | 'SIGNATURE_MALFORMED'
  | 'SIGNATURE_UNSUPPORTED_ALGORITHM'
  | 'SIGNATURE_COMPONENT_UNRESOLVED'
  | 'SIGNING_FAULT_NOT_APPLICABLE'
  | 'CERT_ENCODING_INVALID'
  | 'CERT_PARSE_FAILED'
  | 'KEY_UNSUPPORTED'
  | 'SCHEMA_UNKNOWN'
  | 'JSON_MALFORMED'
  | 'MANIFEST_VERSION_INVALID'
  | 'ROUTE_PARAM_MISSING'
  | 'ROUTE_NOT_IN_PROFILE'
  // harness (exit 4)
  | 'TIMEOUT'
  | 'RUN_ABORTED'
  | 'INTERNAL'
  | 'CLIENT_COMMAND_FAILED'
  | 'OPERATOR_ACTION_FAILED'
  | 'REPORT_WRITE_FAILED';

/** Options for {@link ConformanceError}: `cause` is kept, `details` are structured facts for reports. */
export interface ConformanceErrorOptions {
  cause?: unknown;
  details?: Readonly<Record<string, unknown>>;
}

/**
 * The project's error. `code` is stable and machine-readable; `message` says what was expected.
 * Subclass only when the subclass adds fields.
 */
export class ConformanceError extends Error {
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, message: string, options: ConformanceErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ConformanceError';
    this.code = code;
    this.details = options.details;
  }
}

/** True when `err` is a {@link ConformanceError}, optionally with one of `codes`. */
export function isConformanceError(err: unknown, ...codes: ErrorCode[]): err is ConformanceError {
  return err instanceof ConformanceError && (codes.length === 0 || codes.includes(err.code));
}
