/**
 * @module The mock WFM: a real HTTPS reference server for the Margo Management Interface with onboarding approval,
 * an admin API and page, deliberate faults, and a traffic recording for the `client` suite. See README.md.
 */
export { exportCaPem, formatBanner, formatFaultList } from './banner.js';
export { CLIENT_FAULT_KINDS, MOCK_FAULTS, isMockFault } from './faults.js';
export type { ClientFault, MockFault, MockFaultInfo } from './faults.js';
export { OPERATOR_HOOK_ACTIONS, operatorDeploymentYaml, parseOperatorHookBody } from './operator-hook.js';
export type { OperatorHookAction, OperatorHookRequest, OperatorHookResult } from './operator-hook.js';
export { checkAdminToken, MIN_ADMIN_TOKEN_LENGTH, readSeedDeployments, startMockWfm } from './start.js';
export type { ListenerOption } from './listeners.js';
export { isFingerprint } from './state.js';
export { ONBOARDING_POLICIES } from './trust.js';
export type { OnboardingPolicy } from './trust.js';
export type {
  ClientView,
  MockAdmin,
  MockLogEntry,
  MockWfm,
  MockWfmOptions,
  PendingView,
} from './types.js';
