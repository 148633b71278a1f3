/**
 * @module The configuration model as data: types, defaults (spec-digest §6) and the documented key table.
 * Parsing, validation, merging and redaction live in `core/config.ts`, which re-exports everything here.
 */
import { ALL_ALGORITHMS, type SignatureAlgorithm } from './http-signatures/algorithms.js';

/** The algorithm names live with the signer and verifier (core/http-signatures/algorithms.ts); config reuses them. */
export type { SignatureAlgorithm };

/** Report formats. */
export type ReportFormat = 'json' | 'junit' | 'html' | 'md';

/** The effective configuration. See {@link CONFIG_KEYS} for each key's meaning, env name and default. */
export interface MargoConfig {
  profile: string;
  target?: string;
  timeoutMs: number;
  ca?: string;
  insecureBootstrap: boolean;
  certificate: { encoding: 'base64-der' | 'base64-pem' | 'auto' };
  signatures: {
    algorithm?: SignatureAlgorithm;
    label: string;
    coveredComponents: string[];
    maxAgeSeconds: number;
    clockSkewSeconds: number;
    allowedAlgorithms: SignatureAlgorithm[];
    acceptMixedCaseComponentIds: boolean;
    keyidStrategy: 'spki-sha256-hex' | 'client-id' | 'fingerprint';
  };
  digest: { mode: 'raw-body' | 'base64-of-body'; requireOnEmptyBody: boolean };
  onboarding: { requireSignature: boolean; pendingApprovalBehavior: '403' | 'hold' };
  status: { acceptedCodes: number[] };
  errors: { format: 'lenient' | 'json' | 'problem+json' };
  clientId: { pattern: string };
  tls: { minVersion: 'TLSv1.2' | 'TLSv1.3' };
  operator: { command?: string; hook?: string; interactive: boolean };
  reports: { dir?: string; formats: ReportFormat[] };
  secrets: { headers: string[]; values: string[] };
  failOn: 'fail' | 'warn';
  certification: boolean;
  expectedFailures?: string;
  client: { command?: string; manual: boolean; scenarioTimeoutMs: number; maxOnboardingAttemptsPerMinute: number };
}

/** Every key optional, recursively (arrays are replaced whole, never merged). */
export type PartialDeep<T> = {
  [K in keyof T]?: T[K] extends readonly unknown[] ? T[K] : T[K] extends object ? PartialDeep<T[K]> : T[K];
};

/** One problem in a configuration source, with its position when the source is a file. */
export interface ConfigIssue {
  /** File path, `env MARGO_X`, or `flag --x`. */
  readonly source: string;
  /** 1-based. */
  readonly line?: number;
  readonly column?: number;
  /** Dotted key, e.g. `signatures.maxAgeSecond`; array items as `reports.formats[1]`. */
  readonly key: string;
  readonly message: string;
}

/** How an env value is converted. */
export type ConfigValueType = 'string' | 'integer' | 'boolean' | 'string[]' | 'integer[]';

/** One documented configuration key (drives the README table and env parsing). */
export interface ConfigKey {
  readonly key: string;
  readonly env?: string;
  readonly type: ConfigValueType;
  readonly default: unknown;
  readonly description: string;
}

/** Freezes a value and everything reachable from it; returns it. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** Defaults of spec-digest §6, frozen. */
export const DEFAULT_CONFIG: MargoConfig = deepFreeze({
  profile: 'rfc9421-v1',
  timeoutMs: 10_000,
  insecureBootstrap: false,
  certificate: { encoding: 'base64-der' },
  signatures: {
    label: 'sig1',
    coveredComponents: ['@method', '@target-uri', 'content-digest'],
    maxAgeSeconds: 300,
    clockSkewSeconds: 60,
    allowedAlgorithms: [...ALL_ALGORITHMS],
    acceptMixedCaseComponentIds: true,
    keyidStrategy: 'spki-sha256-hex',
  },
  digest: { mode: 'raw-body', requireOnEmptyBody: false },
  onboarding: { requireSignature: true, pendingApprovalBehavior: '403' },
  status: { acceptedCodes: [200, 201] },
  errors: { format: 'lenient' },
  clientId: { pattern: '^[A-Za-z0-9._~-]+$' },
  tls: { minVersion: 'TLSv1.3' },
  operator: { interactive: false },
  reports: { formats: ['json', 'junit', 'html', 'md'] },
  secrets: { headers: [], values: [] },
  failOn: 'fail',
  certification: false,
  client: { manual: false, scenarioTimeoutMs: 30_000, maxOnboardingAttemptsPerMinute: 6 },
});

function k(key: string, env: string, type: ConfigValueType, def: unknown, description: string): ConfigKey {
  return { key, env, type, default: def, description };
}

/** Every configuration key with its YAML (dotted) and env spelling, default and meaning. */
export const CONFIG_KEYS: readonly ConfigKey[] = deepFreeze([
  k('profile', 'MARGO_PROFILE', 'string', 'rfc9421-v1', 'Profile: rfc9421-v1 (the seed revision) or rfc9421-rc2 (spec-digest §6.1).'),
  k('target', 'MARGO_TARGET', 'string', undefined, 'Base URL of the WFM under test, including any path prefix before /api/v1 (§6.2).'),
  k('timeoutMs', 'MARGO_TIMEOUT_MS', 'integer', 10_000, 'Timeout of one HTTP exchange, milliseconds (1..600000).'),
  k('ca', 'MARGO_CA', 'string', undefined, 'Path of the WFM root CA (PEM) provided out of band.'),
  k('insecureBootstrap', 'MARGO_INSECURE_BOOTSTRAP', 'boolean', false, 'Fetch the root CA from the Certificate API without TLS verification (noted in the report).'),
  k('certificate.encoding', 'MARGO_CERTIFICATE_ENCODING', 'string', 'base64-der', '`certificate` field encoding: base64-der | base64-pem | auto (accept both, flag PEM) (§6.6).'),
  k('signatures.algorithm', 'MARGO_SIGNATURES_ALGORITHM', 'string', undefined, 'Algorithm the simulator signs with; default follows the key type (§6.12).'),
  k('signatures.label', 'MARGO_SIGNATURES_LABEL', 'string', 'sig1', 'Signature label (§6.14).'),
  k('signatures.coveredComponents', 'MARGO_SIGNATURES_COVERED_COMPONENTS', 'string[]', ['@method', '@target-uri', 'content-digest'], 'Covered components; content-digest is left out for bodyless requests unless digest.requireOnEmptyBody (§6.7).'),
  k('signatures.maxAgeSeconds', 'MARGO_SIGNATURES_MAX_AGE_SECONDS', 'integer', 300, 'Replay window: oldest accepted `created`, seconds (§6.13).'),
  k('signatures.clockSkewSeconds', 'MARGO_SIGNATURES_CLOCK_SKEW_SECONDS', 'integer', 60, 'Tolerated `created` in the future, seconds (§6.13).'),
  k('signatures.allowedAlgorithms', 'MARGO_SIGNATURES_ALLOWED_ALGORITHMS', 'string[]', [...ALL_ALGORITHMS], 'Algorithms a verifier accepts (§6.12).'),
  k('signatures.acceptMixedCaseComponentIds', 'MARGO_SIGNATURES_ACCEPT_MIXED_CASE_COMPONENT_IDS', 'boolean', true, 'Verifier accepts `"Content-Digest"` as Margo writes it, with a warning (§6.8).'),
  k('signatures.keyidStrategy', 'MARGO_SIGNATURES_KEYID_STRATEGY', 'string', 'spki-sha256-hex', '`keyid` the simulator sends: spki-sha256-hex | client-id | fingerprint (§6.10).'),
  k('digest.mode', 'MARGO_DIGEST_MODE', 'string', 'raw-body', 'Content-Digest input: raw-body (RFC 9530) | base64-of-body (§6.9).'),
  k('digest.requireOnEmptyBody', 'MARGO_DIGEST_REQUIRE_ON_EMPTY_BODY', 'boolean', false, 'Require Content-Digest on GET/DELETE without a body (§6.9).'),
  k('onboarding.requireSignature', 'MARGO_ONBOARDING_REQUIRE_SIGNATURE', 'boolean', true, 'POST /onboarding must be signed with the key of the body certificate (§6.11).'),
  k('onboarding.pendingApprovalBehavior', 'MARGO_ONBOARDING_PENDING_APPROVAL_BEHAVIOR', 'string', '403', 'Answer while onboarding awaits approval: 403 | hold (§6.18).'),
  k('status.acceptedCodes', 'MARGO_STATUS_ACCEPTED_CODES', 'integer[]', [200, 201], 'Success codes accepted for deployment status (§6.4).'),
  k('errors.format', 'MARGO_ERRORS_FORMAT', 'string', 'lenient', 'Error bodies: lenient (status code only) | json ({error}) | problem+json (RFC 9457) (§6.17).'),
  k('clientId.pattern', 'MARGO_CLIENT_ID_PATTERN', 'string', '^[A-Za-z0-9._~-]+$', 'Regular expression a clientId must match (§6.19).'),
  k('tls.minVersion', 'MARGO_TLS_MIN_VERSION', 'string', 'TLSv1.3', 'Minimum TLS version: TLSv1.2 | TLSv1.3 (§6.20).'),
  k('operator.command', 'MARGO_OPERATOR_COMMAND', 'string', undefined, 'Command run when a check needs an operator action (approve, revoke…).'),
  k('operator.hook', 'MARGO_OPERATOR_HOOK', 'string', undefined, 'URL called for operator actions; userinfo and query are redacted in reports.'),
  k('operator.interactive', 'MARGO_OPERATOR_INTERACTIVE', 'boolean', false, 'Prompt on the terminal for operator actions.'),
  k('reports.dir', 'MARGO_REPORT_DIR', 'string', undefined, 'Report directory; default ./reports/<timestamp>/.'),
  k('reports.formats', 'MARGO_FORMAT', 'string[]', ['json', 'junit', 'html', 'md'], 'Report formats: json, junit, html, md.'),
  k('secrets.headers', 'MARGO_SECRETS_HEADERS', 'string[]', [], 'Extra header names whose values are redacted in evidence.'),
  k('secrets.values', 'MARGO_SECRETS_VALUES', 'string[]', [], 'Values redacted wherever they appear.'),
  k('failOn', 'MARGO_FAIL_ON', 'string', 'fail', 'Lowest verdict that fails the run: fail | warn.'),
  k('certification', 'MARGO_CERTIFICATION', 'boolean', false, 'Certification run: no skips allowed.'),
  k('expectedFailures', 'MARGO_EXPECTED_FAILURES', 'string', undefined, 'Path of the expected-failures baseline.'),
  k('client.command', 'MARGO_CLIENT_COMMAND', 'string', undefined, 'Command that starts the device client under test.'),
  k('client.manual', 'MARGO_CLIENT_MANUAL', 'boolean', false, 'The device client is started by hand.'),
  k('client.scenarioTimeoutMs', 'MARGO_CLIENT_SCENARIO_TIMEOUT_MS', 'integer', 30_000, 'Time one client scenario may take, milliseconds (1..600000).'),
  k('client.maxOnboardingAttemptsPerMinute', 'MARGO_CLIENT_MAX_ONBOARDING_ATTEMPTS_PER_MINUTE', 'integer', 6, 'Onboarding attempts per minute above which the client suite flags a retry loop after a refusal.'),
]);

/** The `MARGO_*` environment variables, derived from {@link CONFIG_KEYS}. */
export const ENV_VARS: readonly { readonly name: string; readonly key: string; readonly description: string }[] =
  deepFreeze(CONFIG_KEYS.flatMap((c) => (c.env === undefined ? [] : [{ name: c.env, key: c.key, description: c.description }])));
