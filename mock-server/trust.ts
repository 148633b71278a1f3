/**
 * @module The onboarding decision: may this client certificate be onboarded now?
 *
 * Pure: the caller passes the policy, the state, the faults and the time. Order of the steps:
 * 1. a fingerprint the WFM user rejected → `rejected` (fault `ignore-operator-rejection` skips this step);
 * 2. a certificate already onboarded → approve with the same clientId (spec is silent on re-onboarding; we keep
 *    the clientId so a device that lost its 201 can recover); a revoked one → `untrusted`;
 * 3. policy `reject-all` → `rejected`;
 * 4. a certificate outside its validity period → `untrusted` (fault `accept-untrusted-ca` skips this step);
 * 5. a fingerprint uploaded, allowlisted or approved by the WFM user → approve;
 * 6. `auto-approve` / `allowlist`: issued by a trusted issuing CA → approve;
 * 7. `auto-approve` with `trustAnyCertificate` → approve; `manual` → `pending`; otherwise → `untrusted`
 *    (fault `accept-untrusted-ca` approves instead).
 *
 * @see seed "Onboarding Sequence": "Opportunity for user to manually upload client certificate",
 *   "Opportunity for user to approve or reject client onboarding", 403 "Client certificate is not trusted or client rejected"
 */
import type { X509Certificate } from 'node:crypto';
import { isIssuedBy } from '../core/pki/index.js';
import type { MockFault } from './faults.js';
import type { MockState } from './state.js';

/** How the mock decides on a new onboarding (`--onboarding`). */
export type OnboardingPolicy = 'auto-approve' | 'manual' | 'reject-all' | 'allowlist';

/** Every {@link OnboardingPolicy}. */
export const ONBOARDING_POLICIES: readonly OnboardingPolicy[] = ['auto-approve', 'manual', 'reject-all', 'allowlist'];

/** Outcome of {@link decideOnboarding}. `faultApplied` names a fault that changed the outcome. */
export type OnboardingDecision =
  | { readonly decision: 'approve'; readonly existingClientId?: string; readonly reason: string; readonly faultApplied?: MockFault }
  | { readonly decision: 'pending'; readonly reason: string }
  | { readonly decision: 'reject'; readonly kind: 'rejected' | 'untrusted'; readonly reason: string };

/** Inputs of {@link decideOnboarding}. */
export interface OnboardingFacts {
  readonly policy: OnboardingPolicy;
  readonly trustAnyCertificate: boolean;
  readonly faults: ReadonlySet<MockFault>;
  readonly certificate: X509Certificate;
  /** SHA-256 of the certificate DER, lowercase hex. */
  readonly fingerprint256: string;
  /** Unix milliseconds. */
  readonly nowMs: number;
}

function isCurrentlyValid(cert: X509Certificate, nowMs: number): boolean {
  return nowMs >= Date.parse(cert.validFrom) && nowMs <= Date.parse(cert.validTo);
}

/** True when one of the trusted issuing CAs issued `cert` (name chaining and signature, RFC 5280 §6.1.3). */
export function issuedByTrustedCa(cert: X509Certificate, issuers: readonly X509Certificate[]): boolean {
  return issuers.some((ca) => isIssuedBy(cert, ca));
}

/** Decides an onboarding; see the module comment for the steps. */
export function decideOnboarding(state: MockState, facts: OnboardingFacts): OnboardingDecision {
  const { faults, fingerprint256: fp } = facts;
  if (state.rejectedFingerprints.has(fp) && !faults.has('ignore-operator-rejection')) {
    return { decision: 'reject', kind: 'rejected', reason: 'certificate rejected by the WFM user' };
  }
  const existing = state.clientByFingerprint.get(fp);
  const existingRecord = existing === undefined ? undefined : state.clients.get(existing);
  if (existingRecord !== undefined) {
    if (existingRecord.revokedAt !== undefined) {
      return { decision: 'reject', kind: 'untrusted', reason: `client ${existingRecord.clientId} was revoked` };
    }
    return { decision: 'approve', existingClientId: existingRecord.clientId, reason: 'certificate already onboarded' };
  }
  if (facts.policy === 'reject-all') return { decision: 'reject', kind: 'rejected', reason: 'policy reject-all' };
  const untrusted = (reason: string): OnboardingDecision =>
    faults.has('accept-untrusted-ca')
      ? { decision: 'approve', reason: `${reason} (accepted by fault)`, faultApplied: 'accept-untrusted-ca' }
      : { decision: 'reject', kind: 'untrusted', reason };
  if (!isCurrentlyValid(facts.certificate, facts.nowMs)) return untrusted('certificate is outside its validity period');
  if (state.allowedFingerprints.has(fp)) return { decision: 'approve', reason: 'fingerprint allowlisted by the WFM user' };
  if (facts.policy !== 'manual' && issuedByTrustedCa(facts.certificate, state.trustedIssuerCerts)) {
    return { decision: 'approve', reason: 'issued by a trusted CA' };
  }
  if (facts.policy === 'auto-approve' && facts.trustAnyCertificate) {
    return { decision: 'approve', reason: 'auto-approve trusts any valid certificate' };
  }
  if (facts.policy === 'manual') return { decision: 'pending', reason: 'waiting for the WFM user to approve' };
  return untrusted(`certificate is neither allowlisted nor issued by a trusted CA (policy ${facts.policy})`);
}
