/**
 * @module Building {@link StepOutcome}s from what the wire layer observed, and logging them.
 */
import type { Evidence } from '../core/check.js';
import type { DeviceSession } from './session.js';
import type { DeviceSendResult, DeviceStep, StepError, StepOutcome } from './types.js';
import type { RetriedResult } from './wire.js';

/**
 * Codes of a failed step that are not thrown errors: the WFM answered, but not as the device needs.
 * Transport failures keep their ConformanceError code (TLS_SETUP_FAILED, TARGET_UNREACHABLE, CA_UNAVAILABLE, TIMEOUT).
 */
export type StepFailureCode =
  | 'UNEXPECTED_STATUS'
  | 'ONBOARDING_REJECTED'
  | 'RESPONSE_INVALID'
  | 'MANIFEST_INVALID'
  | 'MANIFEST_VERSION_REGRESSED'
  | 'ARTIFACT_DIGEST_MISMATCH'
  | 'NO_DEPLOYMENT'
  | 'NO_CLIENT_ID';

/** The StepError of a transport failure, with the TLS code when there is one. */
export function transportStepError(sent: DeviceSendResult): StepError | undefined {
  const err = sent.error;
  if (err === undefined) return undefined;
  const tlsCode = err.details?.['tlsCode'];
  return { code: err.code, message: err.message, ...(typeof tlsCode === 'string' ? { tlsCode } : {}) };
}

/** Common fields of an outcome built from one (retried) exchange. */
function base(step: DeviceStep, sent: RetriedResult): Omit<StepOutcome, 'ok'> {
  const { last, attempts } = sent;
  return {
    step,
    ...(last.result === undefined ? {} : { status: last.result.status }),
    exchange: last.evidence,
    ...(last.signatureBase === undefined ? {} : { signatureBase: last.signatureBase }),
    attempts,
  };
}

/** A successful outcome; logs `ok`. */
export function succeeded(session: DeviceSession, step: DeviceStep, sent: RetriedResult, detail?: string, evidence?: readonly Evidence[]): StepOutcome {
  const outcome: StepOutcome = { ...base(step, sent), ok: true, ...(evidence === undefined ? {} : { evidence }) };
  session.log(step, 'ok', { ...(outcome.status === undefined ? {} : { status: outcome.status }), ...(detail === undefined ? {} : { detail }) });
  return outcome;
}

/**
 * A failed outcome; logs `failed`. Without an explicit error, a transport failure gives its own code and an HTTP
 * answer gives UNEXPECTED_STATUS naming the expected statuses.
 */
export function failed(
  session: DeviceSession,
  step: DeviceStep,
  sent: RetriedResult,
  expected: readonly number[],
  error?: { code: StepFailureCode; message: string },
): StepOutcome {
  const status = sent.last.result?.status;
  const stepError: StepError = error ??
    transportStepError(sent.last) ?? {
      code: 'UNEXPECTED_STATUS',
      message: `expected HTTP ${expected.join(' or ')}, got ${status ?? 'no response'}`,
    };
  const outcome: StepOutcome = { ...base(step, sent), ok: false, error: stepError };
  session.log(step, 'failed', {
    ...(status === undefined ? {} : { status }),
    detail: `${stepError.code}${stepError.tlsCode === undefined ? '' : ` ${stepError.tlsCode}`}: ${stepError.message}`,
  });
  return outcome;
}

/** An outcome for a step that made no request (nothing to do, or a precondition missing). */
export function withoutExchange(session: DeviceSession, step: DeviceStep, ok: boolean, error?: StepError, evidence?: readonly Evidence[]): StepOutcome {
  session.log(step, ok ? 'ok' : 'failed', error === undefined ? {} : { detail: `${error.code}: ${error.message}` });
  return { step, ok, ...(error === undefined ? {} : { error }), ...(evidence === undefined ? {} : { evidence }) };
}
