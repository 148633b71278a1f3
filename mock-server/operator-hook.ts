/**
 * @module The operator hook contract of the mock WFM (`POST /admin/api/operator-hook`): the body the `wfm` suite's
 * `--operator-hook` sends (`{action, fingerprint, certificatePem, clientId?}`, cli/operator.ts), its actions, and
 * the ApplicationDeployment the mock assigns for `change-desired-state`. admin-ops.ts carries the actions out.
 * @see seed "Opportunity for user to approve or reject client onboarding"
 */
import { ConformanceError } from '../core/errors.js';

/**
 * Hook actions: the `wfm` suite's three (`reject-onboarding`, `revoke-client`, `change-desired-state`) plus the
 * mock's own `approve` / `reject` of a device certificate.
 */
export const OPERATOR_HOOK_ACTIONS = ['approve', 'reject', 'reject-onboarding', 'revoke-client', 'change-desired-state'] as const;

/** One of {@link OPERATOR_HOOK_ACTIONS}. */
export type OperatorHookAction = (typeof OPERATOR_HOOK_ACTIONS)[number];

/** Body of the operator hook. `clientId` is required by `revoke-client` and `change-desired-state`. */
export interface OperatorHookRequest {
  readonly action: OperatorHookAction;
  /** Hex SHA-256 of the certificate DER (colons allowed); may be `''` when `certificatePem` or `clientId` names the device. */
  readonly fingerprint: string;
  readonly certificatePem?: string;
  readonly clientId?: string;
}

/** What the hook did: `approved-pending`, `rejected-pending`, `allowlisted`, `pre-rejected`, `revoked` or `desired-state-changed`. */
export interface OperatorHookResult {
  readonly outcome: 'approved-pending' | 'rejected-pending' | 'allowlisted' | 'pre-rejected' | 'revoked' | 'desired-state-changed';
  /** The client acted on (client actions only). */
  readonly clientId?: string;
  /** The client's manifestVersion after the action, exact decimal (client actions only). */
  readonly manifestVersion?: string;
}

function isAction(value: unknown): value is OperatorHookAction {
  return typeof value === 'string' && (OPERATOR_HOOK_ACTIONS as readonly string[]).includes(value);
}

function optionalString(body: Readonly<Record<string, unknown>>, key: string): string | undefined {
  const value = body[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new ConformanceError('USAGE', `operator hook: ${key} must be a string`);
  return value;
}

/**
 * Narrows a parsed JSON hook body to an {@link OperatorHookRequest}.
 * @throws ConformanceError `USAGE` for an unknown action or a non-string field (the admin API answers 400)
 */
export function parseOperatorHookBody(body: Readonly<Record<string, unknown>>): OperatorHookRequest {
  const action = body['action'];
  if (!isAction(action)) {
    throw new ConformanceError('USAGE', `operator hook: action must be one of ${OPERATOR_HOOK_ACTIONS.join(', ')}`);
  }
  const certificatePem = optionalString(body, 'certificatePem');
  const clientId = optionalString(body, 'clientId');
  return {
    action,
    fingerprint: optionalString(body, 'fingerprint') ?? '',
    ...(certificatePem === undefined ? {} : { certificatePem }),
    ...(clientId === undefined ? {} : { clientId }),
  };
}

/**
 * An ApplicationDeployment YAML document with id `deploymentId`, which `change-desired-state` adds to the client's
 * desired state (so its manifestVersion rises by one).
 * @see spec-digest §5.5 item 42
 */
export function operatorDeploymentYaml(deploymentId: string): string {
  return [
    'apiVersion: application.margo.org/v1alpha1',
    'kind: ApplicationDeployment',
    'metadata:',
    '  annotations:',
    `    id: ${deploymentId}`,
    '    applicationId: com-margo-conformance-operator-change',
    '  name: operator-change-deployment',
    '  namespace: margo-conformance',
    'spec:',
    '  deploymentProfile:',
    '    type: compose',
    '    components:',
    '      - name: operator-change',
    '        properties:',
    '          packageLocation: https://registry.example.com/compose/operator-change.tar.gz',
    '          wait: true',
    '          timeout: 1m0s',
    '',
  ].join('\n');
}
