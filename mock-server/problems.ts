/**
 * @module Error bodies of the mock WFM.
 *
 * Default (`errors.format` other than `problem+json`): `{error, message?}` with `application/json`, the shape of
 * the seed's onboarding responses (`{error: "Invalid certificate"}`, `{error: "Client rejected"}`) and of the
 * RFC 9421-era 401 example. With `errors.format: problem+json`: RFC 9457 problem details with
 * `application/problem+json` and type URIs `https://docs.margo.org/specification/problems/<name>`
 * (the RFC 9421-era problem catalogue); conditions outside the catalogue use `about:blank`.
 * @see RFC 9457 §3, spec-digest §2.8, §6.17
 */

/** Problem names: the RFC 9421-era catalogue plus generic HTTP conditions (typed `about:blank`). */
export type ProblemName =
  | 'invalid-certificate-format'
  | 'invalid-digest-header'
  | 'invalid-request'
  | 'signature-verification-failed'
  | 'semantic-error'
  | 'certificate-not-trusted'
  | 'client-rejected'
  | 'pending-approval'
  | 'invalid-client'
  | 'invalid-bundle'
  | 'deployment-not-found'
  | 'server-cannot-generate-response'
  | 'not-found'
  | 'method-not-allowed'
  | 'payload-too-large'
  | 'too-many-requests'
  | 'service-unavailable'
  | 'internal-error';

/** Base of the catalogue's type URIs. */
export const PROBLEM_TYPE_BASE = 'https://docs.margo.org/specification/problems/';

interface ProblemInfo {
  /** `{error}` text; also the problem `title`. */
  readonly error: string;
  /** True when the name is in the Margo catalogue (else the type is `about:blank`). */
  readonly catalogued: boolean;
}

const PROBLEMS: Readonly<Record<ProblemName, ProblemInfo>> = {
  'invalid-certificate-format': { error: 'Invalid certificate', catalogued: true },
  'invalid-digest-header': { error: 'Invalid Digest Header', catalogued: true },
  'invalid-request': { error: 'Invalid request', catalogued: true },
  'signature-verification-failed': { error: 'Invalid signature', catalogued: true },
  'semantic-error': { error: 'Semantic error', catalogued: true },
  'certificate-not-trusted': { error: 'Client rejected', catalogued: true },
  'client-rejected': { error: 'Client rejected', catalogued: false },
  'pending-approval': { error: 'Client rejected', catalogued: false },
  'invalid-client': { error: 'Unknown client', catalogued: true },
  'invalid-bundle': { error: 'Bundle not found', catalogued: true },
  'deployment-not-found': { error: 'Deployment not found', catalogued: true },
  'server-cannot-generate-response': { error: 'Not acceptable', catalogued: true },
  'not-found': { error: 'Not found', catalogued: false },
  'method-not-allowed': { error: 'Method not allowed', catalogued: false },
  'payload-too-large': { error: 'Payload too large', catalogued: false },
  'too-many-requests': { error: 'Too many requests', catalogued: false },
  'service-unavailable': { error: 'Service unavailable', catalogued: false },
  'internal-error': { error: 'Internal server error', catalogued: false },
};

/** A rendered error response: content type and exact body bytes. */
export interface ErrorBody {
  readonly contentType: string;
  readonly body: Buffer;
}

/**
 * Renders the error body for `name` with HTTP `status`. `message` is a sentence for humans (`message` member, or
 * `detail` in problem+json); `instance` is the request path (problem+json only).
 */
export function renderError(
  format: 'problem+json' | 'error-object',
  name: ProblemName,
  status: number,
  message?: string,
  instance?: string,
): ErrorBody {
  const info = PROBLEMS[name];
  if (format === 'problem+json') {
    const problem = {
      type: info.catalogued ? `${PROBLEM_TYPE_BASE}${name}` : 'about:blank',
      title: info.error,
      status,
      ...(message === undefined ? {} : { detail: message }),
      ...(instance === undefined ? {} : { instance }),
    };
    return { contentType: 'application/problem+json', body: Buffer.from(JSON.stringify(problem)) };
  }
  const body = message === undefined ? { error: info.error } : { error: info.error, message };
  return { contentType: 'application/json', body: Buffer.from(JSON.stringify(body)) };
}
