/**
 * @module Client checks on the Deployment Status API: after fetching a deployment the client reports a
 * schema-valid DeploymentStatusManifest for it.
 * @see spec-digest §2.4, §5.6 #57–#64
 */
import type { Evidence } from '../../core/check.js';
import { validateJsonBody } from '../../core/schema.js';
import { defineClientCheck } from './context.js';
import { everyExchangeOn, exchangeEvidence, notReached, onRoutes, passed, recordingOf, refOf, scenarioExchangeEvidence, violated } from './recorded.js';

const STATUS = 'margo:deployment-status';
const PROFILES = ['rfc9421-v1', 'rfc9421-rc2'] as const;
const REPORTS = 'client.deployment-status.reports-status';

export const reportsStatus = defineClientCheck({
  id: REPORTS,
  title: 'After fetching a deployment the client reports its deployment status',
  role: 'client',
  level: 'MUST',
  scenario: 'happy-path',
  requires: ['client.desired-state.fetches-deployment-by-digest'],
  clause: {
    source: STATUS,
    section: 'Deployment Status',
    quote: 'while applying desired state the device MUST report deployment status to the WFM',
  },
  profiles: PROFILES,
  async run(ctx) {
    const rec = recordingOf(ctx, 'happy-path');
    const fetched = onRoutes(rec, 'deploymentByDigest', 'bundle').filter((x) => x.response.status === 200);
    const first = fetched[0];
    if (first === undefined) return notReached(rec, 'the client fetched no deployment, so it had nothing to report');
    const ids = new Set(fetched.flatMap((x) => (x.params?.['deploymentId'] === undefined ? [] : [x.params['deploymentId']])));
    const reports = onRoutes(rec, 'deploymentStatus').filter((x) => x.id > first.id);
    const matching = ids.size === 0 ? reports : reports.filter((x) => ids.has(x.params?.['deploymentId'] ?? ''));
    const evidence = [exchangeEvidence(first, 'deployment fetch'), ...reports.slice(0, 2).map((x) => exchangeEvidence(x))];
    if (matching.length > 0) return passed(`the client reported status ${matching.length} time(s) for the fetched deployment(s)`, evidence);
    return violated(
      'MUST',
      'the client fetched a deployment but never reported its status',
      `a status report for ${[...ids].join(', ') || 'the fetched deployment'}`,
      reports.length === 0 ? 'no status report' : `status reports only for ${reports.map((x) => x.params?.['deploymentId'] ?? '?').join(', ')}`,
      evidence,
    );
  },
});

export const statusSchemaValid = defineClientCheck({
  id: 'client.deployment-status.schema-valid',
  title: 'The DeploymentStatusManifest follows its schema',
  role: 'client',
  level: 'MUST',
  scenario: 'happy-path',
  requires: [REPORTS],
  faults: ['invalid-status'],
  clause: {
    source: STATUS,
    section: 'Deployment Status',
    quote: 'state MUST be one of pending, installing, installed, removing, removed, failed; kind MUST be DeploymentStatusManifest',
  },
  profiles: PROFILES,
  async run(ctx) {
    const rec = recordingOf(ctx, 'happy-path');
    // Every scenario's reports: a retried report must be as valid as the first.
    const reports = everyExchangeOn(ctx, 'deploymentStatus');
    const firstReport = reports[0];
    if (firstReport === undefined) return notReached(rec, 'the client sent no deployment status report');
    const schema = ctx.profile.routes.deploymentStatus?.requestSchema ?? `${ctx.profile.id}/deployment-status`;
    const bad = reports.flatMap((i) => {
      const result = validateJsonBody(ctx.schemas, schema, i.x.request.body ?? '');
      return result.ok ? [] : [{ ...i, errors: result.errors }];
    });
    if (bad.length === 0) return passed(`all ${reports.length} status report(s) of every scenario follow ${schema}`, [scenarioExchangeEvidence(firstReport)]);
    const evidence = bad.slice(0, 2).flatMap((i): Evidence[] => [
      scenarioExchangeEvidence(i),
      { kind: 'schema-errors', label: `${refOf(i)} DeploymentStatusManifest`, schema, errors: i.errors },
    ]);
    return violated(
      'MUST',
      `${bad.length} status report(s) break ${schema}`,
      `a body valid against ${schema}`,
      bad[0]?.errors.slice(0, 3).map((e) => e.message).join('; ') ?? '',
      evidence,
    );
  },
});

/** The deployment-status checks, in catalogue order. */
export const deploymentStatusChecks = [reportsStatus, statusSchemaValid] as const;
