import { describe, expect, it } from 'vitest';
import { isConformanceError } from '../core/errors.js';
import { SIGNING_FAULTS } from '../core/http-signatures/index.js';
import { DEVICE_FAULTS, isSigningFault, parseDeviceFaults, signingFaultsOf } from './faults.js';

describe('device faults', () => {
  it('include every signing fault and unique names', () => {
    const names = DEVICE_FAULTS.map((f) => f.name);
    for (const f of SIGNING_FAULTS) expect(names).toContain(f.name);
    expect(new Set(names).size).toBe(names.length);
  });

  it('tell signing faults apart from device-level ones', () => {
    expect(isSigningFault('no-signature')).toBe(true);
    expect(isSigningFault('tls-verify-off')).toBe(false);
    expect(signingFaultsOf(['tls-verify-off', 'stale-created', 'invalid-status'])).toEqual(['stale-created']);
  });

  it('rejects unknown names with USAGE, naming them', () => {
    expect(parseDeviceFaults(['no-signature', 'retry-tight-loop'])).toEqual(['no-signature', 'retry-tight-loop']);
    try {
      parseDeviceFaults(['no-signature', 'sign-badly']);
      expect.unreachable();
    } catch (err) {
      expect(isConformanceError(err, 'USAGE')).toBe(true);
      expect((err as Error).message).toContain('sign-badly');
    }
  });
});
