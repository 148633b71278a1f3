import { describe, expect, it } from 'vitest';
import { ConformanceError, isConformanceError } from '../errors.js';
import {
  basePathOf,
  DEFAULT_PROFILE_ID,
  expandPath,
  getProfile,
  listProfiles,
  matchRoute,
  routeUrl,
  stripBasePath,
  type RouteName,
} from './index.js';

const params = {
  clientId: 'c-42',
  deviceId: 'gateway1/deviceA',
  deploymentId: 'a3e2f5dc-912e-494f-8395-52cf3769bc06',
  digest: `sha256:${'ab'.repeat(32)}`,
};

describe('profiles', () => {
  it('defaults to rfc9421-v1 and lists both RFC 9421 profiles', () => {
    expect(DEFAULT_PROFILE_ID).toBe('rfc9421-v1');
    expect(listProfiles().map((p) => p.id)).toEqual(['rfc9421-v1', 'rfc9421-rc2']);
    expect(getProfile('rfc9421-rc2').id).toBe('rfc9421-rc2');
  });

  it('throws PROFILE_UNKNOWN listing the known ids', () => {
    expect.assertions(2);
    try {
      getProfile('miaf-rc9');
    } catch (err) {
      expect(isConformanceError(err, 'PROFILE_UNKNOWN')).toBe(true);
      expect((err as Error).message).toContain('rfc9421-v1, rfc9421-rc2');
    }
  });

  it('has the v1 routes of the seed: unsigned certificate GET, signed onboarding 201, POST and PUT capabilities 201', () => {
    const v1 = getProfile('rfc9421-v1');
    expect(v1.routes.certificate).toMatchObject({ method: 'GET', path: '/api/v1/onboarding/certificate', signed: false, successStatuses: [200] });
    expect(v1.routes.onboarding).toMatchObject({ method: 'POST', signed: true, successStatuses: [201] });
    expect(v1.routes.onboarding?.errorStatuses).toMatchObject({ invalidCertificate: [400], untrusted: [403], rejected: [403] });
    expect(v1.routes.capabilitiesCreate).toMatchObject({ method: 'POST', path: '/api/v1/clients/{clientId}/capabilities', successStatuses: [201] });
    expect(v1.routes.capabilitiesUpdate).toMatchObject({ method: 'PUT', successStatuses: [201] });
    expect(v1.routes.capabilitiesDelete).toBeUndefined();
    expect(v1.routes.deploymentStatus?.successStatuses).toEqual([200, 201]);
    expect(v1.routes.desiredState).toMatchObject({ notModifiedStatuses: [304], errorStatuses: { notAcceptable: [406] } });
  });

  it('has the rc2 per-device capabilities routes: PUT 200/201, DELETE 204, 404 and 422', () => {
    const rc2 = getProfile('rfc9421-rc2');
    expect(rc2.routes.capabilitiesCreate).toBeUndefined();
    expect(rc2.routes.capabilitiesUpdate).toMatchObject({
      method: 'PUT',
      path: '/api/v1/clients/{clientId}/capabilities/{deviceId}',
      successStatuses: [200, 201],
      errorStatuses: { unknownClient: [404], semantic: [422] },
    });
    expect(rc2.routes.capabilitiesDelete).toMatchObject({ method: 'DELETE', successStatuses: [204] });
  });

  it('names request and response schemas that exist in the profile', () => {
    for (const profile of listProfiles()) {
      for (const route of Object.values(profile.routes)) {
        for (const schema of [route.requestSchema, route.responseSchema]) {
          if (schema !== undefined) expect(schema.startsWith(`${profile.id}/`)).toBe(true);
        }
      }
    }
  });
});

describe('expandPath', () => {
  it('keeps / inside deviceId only and keeps the : of digests literal', () => {
    expect(expandPath('/api/v1/clients/{clientId}/capabilities/{deviceId}', params)).toBe(
      '/api/v1/clients/c-42/capabilities/gateway1/deviceA',
    );
    expect(expandPath('/x/{clientId}/{digest}', { clientId: 'a/b c', digest: params.digest })).toBe(`/x/a%2Fb%20c/${params.digest}`);
    expect(expandPath('/x/{clientId}', { clientId: 'é?#' })).toBe('/x/%C3%A9%3F%23');
  });

  it('throws ROUTE_PARAM_MISSING for a missing or empty parameter', () => {
    for (const p of [{}, { clientId: '' }] as Record<string, string>[]) {
      expect(() => expandPath('/api/v1/clients/{clientId}/deployments', p)).toThrow(ConformanceError);
    }
  });
});

describe('matchRoute', () => {
  for (const profile of listProfiles()) {
    for (const [route, spec] of Object.entries(profile.routes) as [RouteName, { method: string; path: string }][]) {
      it(`${profile.id}: round-trips ${route} through a base URL with a path prefix`, () => {
        const url = new URL(routeUrl('https://wfm.example:8443/tenant-a/margo/', spec.path, params));
        expect(url.pathname.startsWith('/tenant-a/margo/api/v1/')).toBe(true);
        const pathname = stripBasePath(basePathOf('https://wfm.example:8443/tenant-a/margo/'), url.pathname);
        expect(pathname).toBeDefined();
        const match = matchRoute(profile, spec.method.toLowerCase(), pathname ?? '');
        expect(match?.route).toBe(route);
        const expected = Object.fromEntries(Object.entries(params).filter(([k]) => spec.path.includes(`{${k}}`)));
        expect(match?.params).toEqual(expected);
      });
    }
  }

  it('takes every remaining segment for a multi-segment deviceId and decodes %2F', () => {
    const rc2 = getProfile('rfc9421-rc2');
    expect(matchRoute(rc2, 'PUT', '/api/v1/clients/c1/capabilities/gw/child/grandchild')?.params).toEqual({
      clientId: 'c1',
      deviceId: 'gw/child/grandchild',
    });
    expect(matchRoute(rc2, 'DELETE', '/api/v1/clients/c1/capabilities/gw%2Fchild')?.params.deviceId).toBe('gw/child');
  });

  it('matches nothing for wrong method, extra or empty segments, or a path outside the prefix', () => {
    const v1 = getProfile('rfc9421-v1');
    const rc2 = getProfile('rfc9421-rc2');
    expect(matchRoute(v1, 'DELETE', '/api/v1/clients/c1/capabilities')).toBeUndefined();
    expect(matchRoute(v1, 'POST', '/api/v1/clients/c1/capabilities/extra')).toBeUndefined();
    expect(matchRoute(v1, 'POST', '/api/v1/clients//capabilities')).toBeUndefined();
    expect(matchRoute(rc2, 'PUT', '/api/v1/clients/c1/capabilities/gw//child')).toBeUndefined();
    expect(matchRoute(rc2, 'PUT', '/api/v1/clients/c1/capabilities/')).toBeUndefined();
    expect(stripBasePath('/margo', '/other/api/v1/onboarding')).toBeUndefined();
    expect(stripBasePath('/margo', '/margoX/api/v1/onboarding')).toBeUndefined();
    expect(stripBasePath('', '/api/v1/onboarding')).toBe('/api/v1/onboarding');
  });

  it('tells deployment status (POST) from deployment-by-digest (GET) on the same prefix', () => {
    const v1 = getProfile('rfc9421-v1');
    expect(matchRoute(v1, 'POST', '/api/v1/clients/c1/deployments/d1/status')?.route).toBe('deploymentStatus');
    expect(matchRoute(v1, 'GET', `/api/v1/clients/c1/deployments/d1/${params.digest}`)?.route).toBe('deploymentByDigest');
    expect(matchRoute(v1, 'GET', '/api/v1/clients/c1/deployments')?.route).toBe('desiredState');
  });
});

describe('profile data', () => {
  it('is frozen', () => {
    const v1 = getProfile('rfc9421-v1');
    expect(Object.isFrozen(v1)).toBe(true);
    expect(Object.isFrozen(v1.routes.onboarding?.successStatuses)).toBe(true);
  });
});
