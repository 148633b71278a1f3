/**
 * @module Deliberate faults of the device simulator. Each fault turns one protocol choice of a conformant WFM client
 * into a named misbehaviour, so the `client` suite can prove that each of its checks catches the matching broken
 * client (STYLE.md §3: a negative check needs a fault that proves it can fail). Every fault changes what goes on the
 * wire; none forks the protocol logic.
 */
import { SIGNING_FAULTS, type SigningFault } from '../core/http-signatures/index.js';
import { ConformanceError } from '../core/errors.js';

/** Faults that act above the signature layer (TLS trust, bodies, retries, paths, caching). */
export type DeviceLevelFault =
  | 'tls-verify-off'
  | 'bad-certificate-encoding'
  | 'certificate-as-base64-pem'
  | 'continue-after-403'
  | 'continue-after-400'
  | 'retry-tight-loop'
  | 'invalid-capabilities'
  | 'invalid-status'
  | 'ignore-client-id'
  | 'no-if-none-match'
  | 'ignore-retry-after'
  | 'skip-deployment-fetch';

/** Every fault the simulator knows: the signing faults of core/http-signatures plus {@link DeviceLevelFault}. */
export type DeviceFault = SigningFault | DeviceLevelFault;

/** The device-level faults with the rule each one breaks. */
export const DEVICE_LEVEL_FAULTS: readonly { readonly name: DeviceLevelFault; readonly breaks: string }[] = [
  {
    name: 'tls-verify-off',
    breaks: 'the client MUST verify the WFM server chain against the downloaded root CA (it trusts any certificate)',
  },
  {
    name: 'bad-certificate-encoding',
    breaks: 'OnboardingRequest.certificate MUST be base64 of the X.509 certificate (it sends the raw PEM text)',
  },
  {
    name: 'certificate-as-base64-pem',
    breaks: 'OnboardingRequest.certificate in the profile encoding base64(DER) (it sends base64 of the PEM text)',
  },
  {
    name: 'continue-after-403',
    breaks: 'a rejected client (403) MUST NOT send capabilities or status (it goes on with a made-up clientId)',
  },
  {
    name: 'continue-after-400',
    breaks: 'a client whose certificate was refused (400) MUST NOT send capabilities or status (it goes on with a made-up clientId)',
  },
  {
    name: 'retry-tight-loop',
    breaks: 'a refused onboarding or a server error MUST NOT be retried in a tight loop (it retries at once, many times)',
  },
  {
    name: 'invalid-capabilities',
    breaks: 'the DeviceCapabilitiesManifest MUST follow its schema (it drops required fields and sends a wrong kind)',
  },
  {
    name: 'invalid-status',
    breaks: 'the DeploymentStatusManifest MUST follow its schema (unknown state, no components)',
  },
  {
    name: 'ignore-client-id',
    breaks: 'the client MUST use the clientId the WFM assigned (it puts its deviceId in the paths)',
  },
  {
    name: 'no-if-none-match',
    breaks: 'the desired-state poll SHOULD send If-None-Match with the last ETag (it never does)',
  },
  {
    name: 'ignore-retry-after',
    breaks: 'the client MUST NOT retry before Retry-After has elapsed (it follows its own backoff only)',
  },
  {
    name: 'skip-deployment-fetch',
    breaks: 'the client MUST fetch each deployment by digest before reporting it (it reports without fetching)',
  },
];

/** Every fault with the rule it breaks: the signing faults first, then the device-level ones. */
export const DEVICE_FAULTS: readonly { readonly name: DeviceFault; readonly breaks: string }[] = [
  ...SIGNING_FAULTS,
  ...DEVICE_LEVEL_FAULTS,
];

const SIGNING_FAULT_NAMES: ReadonlySet<string> = new Set(SIGNING_FAULTS.map((f) => f.name));

/** True when `fault` is applied by core signRequest rather than by the simulator itself. */
export function isSigningFault(fault: DeviceFault): fault is SigningFault {
  return SIGNING_FAULT_NAMES.has(fault);
}

/** The signing faults among `faults`, in their given order. */
export function signingFaultsOf(faults: readonly DeviceFault[]): SigningFault[] {
  return faults.filter(isSigningFault);
}

/**
 * Checks fault names from untrusted input (argv, env, MARGO_CONTEXT). Returns them typed.
 * Throws USAGE naming the unknown fault(s) and listing the known ones.
 */
export function parseDeviceFaults(names: readonly string[]): DeviceFault[] {
  const known = new Set<string>(DEVICE_FAULTS.map((f) => f.name));
  const unknown = names.filter((n) => !known.has(n));
  if (unknown.length > 0) {
    throw new ConformanceError(
      'USAGE',
      `unknown device fault(s): ${unknown.join(', ')}; expected one of ${[...known].join(', ')}`,
    );
  }
  return names as DeviceFault[];
}
