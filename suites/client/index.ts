/**
 * @module The `client` suite: checks on a device's WFM client, judged from the traffic a mock WFM recorded while
 * the client ran through scenarios. Re-exports only.
 */
export { capabilitiesChecks } from './capabilities.js';
export { checksToRun, clientCatalogue, scenariosFor } from './catalogue.js';
export { clientTrafficOf, defineClientCheck } from './context.js';
export type { ClientCheck, ClientCheckContext, ClientProcessOutcome, ClientTraffic, ObservedConnection, ScenarioRecording } from './context.js';
export { classifyHandshakeFailure, isCertificateRefusal } from './handshake-facts.js';
export type { HandshakeFailure, HandshakeFailureKind } from './handshake-facts.js';
export { deploymentStatusChecks } from './deployment-status.js';
export { desiredStateChecks } from './desired-state.js';
export { onboardingChecks } from './onboarding.js';
export { payloadSecurityChecks } from './payload-security.js';
export { retryChecks } from './retry.js';
export { capabilitiesRouteOf, clientScenarios, MIN_RETRY_DELAY_MS } from './scenarios.js';
export type { ClientScenario, ClientScenarioId, ScenarioContextData, ScenarioExpectation, ScenarioFault } from './scenarios.js';
export { tlsChecks } from './tls.js';
