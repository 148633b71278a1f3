/**
 * @module Client checks on the Device Capabilities API: after onboarding the client reports a schema-valid
 * DeviceCapabilitiesManifest, the final step of onboarding.
 * @see spec seed page "Onboarding Sequence"; spec-digest §2.3, §5.4 #24–#27
 */
import type { Evidence } from '../../core/check.js';
import { validateJsonBody } from '../../core/schema.js';
import { defineClientCheck } from './context.js';
import {
  acceptedOnboardings,
  clientNote,
  describeExchange,
  everyExchangeOn,
  exchangeEvidence,
  isSuccess,
  notReached,
  onRoutes,
  passed,
  recordingOf,
  refOf,
  scenarioExchangeEvidence,
  violated,
} from './recorded.js';
import { signatureFactsOf } from './signature-facts.js';

const CAPABILITIES = 'margo:device-capabilities';
const PROFILES = ['rfc9421-v1', 'rfc9421-rc2'] as const;
const SENDS_CAPABILITIES = 'client.capabilities.sends-capabilities';

export const sendsCapabilities = defineClientCheck({
  id: SENDS_CAPABILITIES,
  title: 'After a successful onboarding the client reports its capabilities',
  role: 'client',
  level: 'MUST',
  scenario: 'happy-path',
  requires: ['client.onboarding.sends-onboarding-request'],
  clause: {
    source: CAPABILITIES,
    section: 'Device Capabilities',
    quote: 'devices MUST report their capabilities; reporting is the final step of onboarding',
  },
  related: [{ source: 'margo:device-client-onboarding', section: 'Onboarding Sequence (capabilities sent using the Device API)' }],
  profiles: PROFILES,
  async run(ctx) {
    const rec = recordingOf(ctx, 'happy-path');
    const accepted = acceptedOnboardings(rec, ctx.profile)[0];
    if (accepted === undefined) return notReached(rec, 'the mock never accepted an onboarding, so the client had no clientId to report capabilities with');
    const reports = onRoutes(rec, 'capabilitiesCreate', 'capabilitiesUpdate').filter((x) => x.id > accepted.exchange.id);
    // Only a report the WFM accepted, carrying a signature, counts as reported; the body and the signature are
    // judged by client.capabilities.schema-valid and the payload-security checks.
    const counted = reports.filter((x) => isSuccess(ctx.profile, x.route, x.response.status) && signatureFactsOf(x, ctx.config.signatures.label).signed);
    const first = counted[0];
    if (first !== undefined) return passed(`the WFM accepted ${counted.length} signed capabilities report(s)`, [exchangeEvidence(first, 'first accepted capabilities report')]);
    if (reports.length > 0) {
      return notReached(
        rec,
        `the client sent ${reports.length} capabilities report(s) but none was signed and accepted (${reports.slice(0, 3).map((x) => `#${x.id} ${describeExchange(x)} ${x.verdict}`).join('; ')}); the refusal is judged by the schema and payload-security checks`,
        reports.slice(0, 3).map((x) => exchangeEvidence(x)),
      );
    }
    return violated(
      'MUST',
      'the client was onboarded but never reported its capabilities',
      'a capabilities report after 201 Created',
      'no capabilities request',
      [exchangeEvidence(accepted.exchange, 'accepted onboarding'), clientNote(rec)],
    );
  },
});

export const capabilitiesSchemaValid = defineClientCheck({
  id: 'client.capabilities.schema-valid',
  title: 'The DeviceCapabilitiesManifest follows its schema',
  role: 'client',
  level: 'MUST',
  scenario: 'happy-path',
  // Judged on whatever reports were sent: a refused (400) report must still be judged here.
  requires: ['client.onboarding.sends-onboarding-request'],
  faults: ['invalid-capabilities'],
  clause: { source: CAPABILITIES, section: 'Device Capabilities', quote: 'kind MUST be DeviceCapabilitiesManifest' },
  profiles: PROFILES,
  async run(ctx) {
    const rec = recordingOf(ctx, 'happy-path');
    // Every scenario's reports: a retried report must be as valid as the first.
    const reports = everyExchangeOn(ctx, 'capabilitiesCreate', 'capabilitiesUpdate');
    const firstReport = reports[0];
    if (firstReport === undefined) return notReached(rec, 'the client sent no capabilities report');
    const bad = reports.flatMap((i) => {
      const schema = (i.x.route === undefined ? undefined : ctx.profile.routes[i.x.route]?.requestSchema) ?? `${ctx.profile.id}/capabilities`;
      const result = validateJsonBody(ctx.schemas, schema, i.x.request.body ?? '');
      return result.ok ? [] : [{ ...i, schema, errors: result.errors }];
    });
    if (bad.length === 0) return passed(`all ${reports.length} capabilities report(s) of every scenario follow the schema`, [scenarioExchangeEvidence(firstReport)]);
    const evidence = bad.slice(0, 2).flatMap((i): Evidence[] => [
      scenarioExchangeEvidence(i),
      { kind: 'schema-errors', label: `${refOf(i)} DeviceCapabilitiesManifest`, schema: i.schema, errors: i.errors },
    ]);
    return violated(
      'MUST',
      `${bad.length} capabilities report(s) break the schema`,
      `a body valid against ${bad[0]?.schema ?? 'the capabilities schema'}`,
      bad[0]?.errors.slice(0, 3).map((e) => e.message).join('; ') ?? '',
      evidence,
    );
  },
});

/** The capabilities checks, in catalogue order. */
export const capabilitiesChecks = [sendsCapabilities, capabilitiesSchemaValid] as const;
