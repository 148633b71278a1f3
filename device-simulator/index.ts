/**
 * @module The device simulator: a reference Margo WFM client (certificate → pin → onboarding → capabilities →
 * desired state → deployments → status) with named faults. Re-exports only.
 */
export { createDevice } from './device.js';
export { DEVICE_EXIT, formatLogLine, parseDeviceContext, runDeviceCommand, splitFaultList } from './command.js';
export type { DeviceCommandOptions } from './command.js';
export { DEVICE_FAULTS, DEVICE_LEVEL_FAULTS, isSigningFault, parseDeviceFaults, signingFaultsOf } from './faults.js';
export type { DeviceFault, DeviceLevelFault } from './faults.js';
export { DEFAULT_ONBOARDING_ATTEMPTS } from './onboarding.js';
export type { StepFailureCode } from './outcome.js';
export { backoffDelayMs, DEFAULT_RETRY_POLICY, parseRetryAfterMs, planRetry, RETRYABLE_STATUSES } from './retry.js';
export { TIGHT_LOOP_ATTEMPTS } from './wire.js';
export type {
  Device,
  DeviceLogEntry,
  DeviceOptions,
  DeviceSendRequest,
  DeviceSendResult,
  DeviceStep,
  PollOutcome,
  RetryPolicy,
  SignedDeviceRequest,
  SigningKey,
  SleepFn,
  StepError,
  StepOutcome,
} from './types.js';
