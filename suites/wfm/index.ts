/**
 * @module The `wfm` suite: checks on a WFM under test (we play the WFM client). Public face of suites/wfm.
 */
export { WFM_CHECKS } from './catalogue.js';
export type * from './context.js';
export { createDeviceIdentities } from './identities.js';
export { decodeRootCaField } from './root-ca.js';
export type { DecodedRootCa } from './root-ca.js';
export { createTlsProber, createWfmHandle, describeTlsFailure, isChainVerificationCode } from './transport.js';
export { runWfmSuite } from './run.js';
export type { WfmSuiteOptions } from './run.js';
