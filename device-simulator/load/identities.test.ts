import { describe, expect, it } from 'vitest';
import { createRootCa } from '../../core/pki/index.js';
import { buildIdentityPool } from './identities.js';

describe('identity pool', () => {
  it('issues one identity per fleet index, in order', async () => {
    const ca = await createRootCa({ commonName: 'pool test CA' });
    const pool = await buildIdentityPool([4, 1], ca, 'ec-p256', new Date());
    expect(pool.map((p) => [p.index, p.deviceId])).toEqual([
      [4, 'load-device-000004'],
      [1, 'load-device-000001'],
    ]);
  });

  it('stops with RUN_ABORTED when the signal aborts during the build', async () => {
    const ca = await createRootCa({ commonName: 'pool test CA' });
    const stop = new AbortController();
    const indices = Array.from({ length: 50 }, (_, i) => i);
    const building = buildIdentityPool(indices, ca, 'ec-p256', new Date(), stop.signal);
    // Queued after the pool's first yield: the stop lands while the first identity is being issued.
    setImmediate(() => stop.abort('SIGINT'));
    await expect(building).rejects.toMatchObject({ code: 'RUN_ABORTED', message: expect.stringMatching(/\(\d+ of 50 identities issued\)/) });
  });

  it('issues nothing when stopped before it starts', async () => {
    const ca = await createRootCa({ commonName: 'pool test CA' });
    const stop = new AbortController();
    stop.abort();
    await expect(buildIdentityPool([0, 1], ca, 'rsa-3072', new Date(), stop.signal)).rejects.toMatchObject({
      code: 'RUN_ABORTED',
      message: expect.stringContaining('(0 of 2 identities issued)'),
    });
  });
});
