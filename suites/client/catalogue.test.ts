import { describe, expect, it } from 'vitest';
import { getProfile } from '../../core/profiles/index.js';
import { orderChecks } from '../../core/runner.js';
import { checksToRun, clientCatalogue, scenariosFor } from './catalogue.js';
import { capabilitiesRouteOf, clientScenarios } from './scenarios.js';

const v1 = getProfile('rfc9421-v1');
const rc2 = getProfile('rfc9421-rc2');

describe('client catalogue', () => {
  it('has unique ids of the form client.<area>.<behaviour> and orders without cycles', () => {
    const ids = clientCatalogue.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^client\.[a-z-]+\.[a-z0-9-]+$/);
    expect(orderChecks(clientCatalogue).length).toBe(ids.length);
  });

  it('names an existing scenario in every check, and SHOULD checks are never promoted', () => {
    const scenarioIds = new Set(clientScenarios(v1).map((s) => s.id));
    for (const c of clientCatalogue) {
      expect(scenarioIds.has(c.scenario)).toBe(true);
      expect(c.role).toBe('client');
    }
    expect(clientCatalogue.filter((c) => c.id.startsWith('client.retry.')).every((c) => c.level === 'SHOULD')).toBe(true);
  });

  it('runs only the scenarios the selected checks (and their prerequisites) need', () => {
    const only = checksToRun(clientCatalogue, ['client.retry.respects-retry-after'], []);
    expect(only.map((c) => c.id)).toEqual(['client.retry.retries-when-unavailable', 'client.retry.respects-retry-after']);
    expect(scenariosFor(v1, only).map((s) => s.id)).toEqual(['retry-after']);
    const chained = checksToRun(clientCatalogue, ['client.deployment-status.schema-valid'], []);
    expect(chained.map((c) => c.id)).toContain('client.onboarding.sends-onboarding-request');
    expect(scenariosFor(v1, chained).map((s) => s.id)).toEqual(['happy-path']);
    expect(checksToRun(clientCatalogue, [], ['client.*']).length).toBe(0);
    // The pinning check also reads the happy path (did the client ever complete a handshake?).
    const pinning = checksToRun(clientCatalogue, ['client.tls.rejects-imposter-server'], []);
    expect(scenariosFor(v1, pinning).map((s) => s.id)).toEqual(['happy-path', 'tls-imposter']);
  });

  it('aims the server-error faults at the profile capabilities route', () => {
    expect(capabilitiesRouteOf(v1)).toBe('capabilitiesCreate');
    expect(capabilitiesRouteOf(rc2)).toBe('capabilitiesUpdate');
    const faults = clientScenarios(rc2).find((s) => s.id === 'server-error-500')?.mock.clientFaults ?? [];
    expect(faults).toEqual([{ kind: 'status', route: 'capabilitiesUpdate', status: 500, times: 2 }]);
  });
});
