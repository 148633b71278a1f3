/**
 * @module The device's signers: which covered components and signing faults apply to a request, and one prepared
 * core signer per (private key, keyid, plan), so the per-request work is hashing the body, building the signature
 * base and one `crypto.sign` (the load generator's hot path).
 *
 * @see spec-digest §3.1 (client signing algorithm), §6.7 (`signatures.coveredComponents`, `digest.requireOnEmptyBody`)
 */
import type { MargoConfig } from '../core/config.js';
import { createRequestSigner } from '../core/http-signatures/index.js';
import type { RequestSigner, SigningFault } from '../core/http-signatures/index.js';
import type { KeyObject } from 'node:crypto';
import { signingFaultsOf } from './faults.js';
import type { DeviceFault } from './faults.js';

/** What one request is signed with: covered components and the signing faults that change something for it. */
export interface SigningPlan {
  /** Cache key of the plan. */
  readonly key: string;
  readonly components: readonly string[];
  readonly faults: readonly SigningFault[];
}

/** Plans and prepared signers of one device. */
export interface DeviceSigners {
  /** The plan for a request with or without a body under `faults` (cached per fault set object). */
  plan(faults: ReadonlySet<DeviceFault>, hasBody: boolean): SigningPlan;
  /** The prepared signer for this private key, keyid and plan (created once). */
  signer(privateKey: KeyObject, keyid: string, plan: SigningPlan): RequestSigner;
}

/** Faults that need a body (or a covered content-digest) to change anything. */
const BODY_FAULTS: ReadonlySet<SigningFault> = new Set([
  'wrong-content-digest',
  'drop-content-digest',
  'body-changed-after-signing',
  'uncovered-content-digest',
]);

const isDigest = (c: string): boolean => c.toLowerCase() === 'content-digest';

/**
 * Covered components with a body: `signatures.coveredComponents`. Without a body `content-digest` is left out
 * unless `digest.requireOnEmptyBody`. A body fault applies only where it changes something (and
 * `body-changed-after-signing` never adds a body to a GET).
 */
function makePlan(config: MargoConfig, faults: ReadonlySet<DeviceFault>, hasBody: boolean): SigningPlan {
  const all = config.signatures.coveredComponents;
  const components = hasBody || config.digest.requireOnEmptyBody ? [...all] : all.filter((c) => !isDigest(c));
  const coversDigest = components.some(isDigest);
  const applicable = signingFaultsOf([...faults]).filter(
    (f) => !BODY_FAULTS.has(f) || hasBody || (coversDigest && f !== 'body-changed-after-signing'),
  );
  return { key: `${components.join(' ')}|${applicable.join(',')}`, components, faults: applicable };
}

/** Creates the signer cache of one device. Throws nothing itself; `signer` throws as core createRequestSigner does. */
export function createDeviceSigners(config: MargoConfig): DeviceSigners {
  const plans = new WeakMap<ReadonlySet<DeviceFault>, { withBody?: SigningPlan; withoutBody?: SigningPlan }>();
  // Private key → plan key → keyid → signer: two lookups of strings kept by the plan and the identity, so no
  // cache key is concatenated per request.
  const signers = new WeakMap<KeyObject, Map<string, Map<string, RequestSigner>>>();
  return {
    plan(faults, hasBody) {
      let entry = plans.get(faults);
      if (entry === undefined) {
        entry = {};
        plans.set(faults, entry);
      }
      if (hasBody) return (entry.withBody ??= makePlan(config, faults, true));
      return (entry.withoutBody ??= makePlan(config, faults, false));
    },
    signer(privateKey, keyid, plan) {
      let byPlan = signers.get(privateKey);
      if (byPlan === undefined) {
        byPlan = new Map();
        signers.set(privateKey, byPlan);
      }
      let byKeyid = byPlan.get(plan.key);
      if (byKeyid === undefined) {
        byKeyid = new Map();
        byPlan.set(plan.key, byKeyid);
      }
      let signer = byKeyid.get(keyid);
      if (signer === undefined) {
        signer = createRequestSigner({
          privateKey,
          keyid,
          label: config.signatures.label,
          components: plan.components,
          faults: plan.faults,
          digestMode: config.digest.mode,
          ...(config.signatures.algorithm === undefined ? {} : { algorithm: config.signatures.algorithm }),
        });
        byKeyid.set(keyid, signer);
      }
      return signer;
    },
  };
}
