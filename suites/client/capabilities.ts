/**
 * @module Client checks on the Device Capabilities API: after onboarding the client reports a schema-valid
 * DeviceCapabilitiesManifest, the final step of onboarding.
 * @see spec seed page "Onboarding Sequence"; spec-digest §2.3, §5.4 #24–#27
 */
import type { Evidence } from '../../core/check.js';
import { validateJsonBody } from '../../core/schema.js';
import type { RecordedExchange } from '../../core/traffic.js';
import { defineClientCheck } from './context.js';
import { acceptedOnboardings, clientNote, exchangeEvidence, notReached, onRoutes, passed, recordingOf, violated } from './recorded.js';

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
    const first = reports[0];
    if (first !== undefined) return passed(`the client sent ${reports.length} capabilities report(s)`, [exchangeEvidence(first, 'first capabilities report')]);
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
  requires: [SENDS_CAPABILITIES],
  faults: ['invalid-capabilities'],
  clause: { source: CAPABILITIES, section: 'Device Capabilities', quote: 'kind MUST be DeviceCapabilitiesManifest' },
  profiles: PROFILES,
  async run(ctx) {
    const rec = recordingOf(ctx, 'happy-path');
    const reports = onRoutes(rec, 'capabilitiesCreate', 'capabilitiesUpdate');
    const bad = reports.flatMap((x) => {
      const schema = (x.route === undefined ? undefined : ctx.profile.routes[x.route]?.requestSchema) ?? `${ctx.profile.id}/capabilities`;
      const result = validateJsonBody(ctx.schemas, schema, x.request.body ?? '');
      return result.ok ? [] : [{ x, schema, errors: result.errors }];
    });
    if (bad.length === 0) return passed(`all ${reports.length} capabilities report(s) follow the schema`, [exchangeEvidence(reports[0] as RecordedExchange)]);
    const evidence = bad.slice(0, 2).flatMap(({ x, schema, errors }): Evidence[] => [
      exchangeEvidence(x),
      { kind: 'schema-errors', label: `#${x.id} DeviceCapabilitiesManifest`, schema, errors },
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
