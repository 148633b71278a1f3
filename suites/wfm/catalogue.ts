/**
 * @module The `wfm` catalogue: every check on a WFM under test, in catalogue order (the runner keeps this order wherever
 * `requires` allows). Checks that create extra clients or change server state run last, so a WFM that mishandles
 * them cannot disturb the checks that reuse the session's onboarded client.
 */
import type { Check } from '../../core/check.js';
import * as capabilities from './capabilities.js';
import * as certificateApi from './certificate-api.js';
import type { WfmCheckContext } from './context.js';
import * as deploymentStatus from './deployment-status.js';
import * as desiredState from './desired-state.js';
import * as onboarding from './onboarding.js';
import * as payloadSecurity from './payload-security.js';
import * as robustness from './robustness.js';
import * as tls from './tls.js';

/** Every `wfm` check, in catalogue order. */
export const WFM_CHECKS: readonly Check<WfmCheckContext>[] = [
  certificateApi.returnsRootCa,
  certificateApi.base64WithoutLineBreaks,
  certificateApi.expectedEncoding,
  tls.chainVerifiesAgainstAdvertisedCa,
  tls.offersTls13,
  onboarding.acceptsSignedRequest,
  onboarding.answers201Created,
  onboarding.responseSchemaValid,
  onboarding.clientIdUrlSafe,
  onboarding.rejectsBadCertificateNotX509,
  onboarding.rejectsBadCertificateTruncatedDer,
  onboarding.rejectsBadCertificateInvalidBase64,
  onboarding.rejectsBadCertificateEmpty,
  onboarding.rejectsBadCertificatePemText,
  onboarding.rejectsUntrustedCa,
  onboarding.rejectsOperatorRejected,
  payloadSecurity.rejectsUnsignedOnboarding,
  capabilities.acceptsSignedReport,
  capabilities.rejectsUnknownClient,
  desiredState.returnsManifest,
  desiredState.etagIsBodyDigest,
  desiredState.answers304OnMatchingEtag,
  desiredState.answers406ForUnsupportedAccept,
  deploymentStatus.acceptsSignedReport,
  payloadSecurity.rejectsUnsignedCapabilities,
  payloadSecurity.rejectsUnsignedStatus,
  payloadSecurity.rejectsBodyChangedAfterSigning,
  payloadSecurity.rejectsSignatureByOtherKey,
  payloadSecurity.rejectsRfc9421TestKey,
  payloadSecurity.rejectsStaleCreated,
  payloadSecurity.rejectsFutureCreated,
  payloadSecurity.rejectsUncoveredContentDigest,
  desiredState.manifestVersionRises,
  robustness.repeatedOnboarding,
  onboarding.clientIdUnique,
  payloadSecurity.rejectsRevokedClient,
];
