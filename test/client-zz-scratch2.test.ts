import { writeFileSync } from 'node:fs';
import { it } from 'vitest';
import { systemClock } from '../core/clock.js';
import { mergeConfig } from '../core/config.js';
import { getProfile } from '../core/profiles/index.js';
import { runClientSuite } from '../cli/commands/client.js';
import { inProcessSimulator } from '../cli/selftest-client.js';
it('dump', async () => {
  const profile = getProfile('rfc9421-v1');
  const config = mergeConfig({ profile: profile.id, client: { scenarioTimeoutMs: 20_000 } });
  const faults = (process.env.FAULTS ?? '').split(',').filter(Boolean) as never;
  const { recordings } = await runClientSuite({ profile, config, clock: systemClock, launcher: inProcessSimulator(faults, config), target: 'x', env: {}, concurrency: 3 });
  const out = recordings.map((r) => ({ s: r.scenario.id, client: { ...r.client, stdout: r.client.stdout.slice(-300), stderr: r.client.stderr.slice(-300) }, e: r.entries.map((e) => e.type === 'tls' ? `${e.id} tls ${e.kind} ${e.servedCertificate} ${e.errorCode ?? ''} ${e.protocol ?? ''} c${e.connectionId} ${e.remote} ${e.at}` : `${e.id} ${e.request.method} ${e.route} ${e.response.status} ${e.verdict} sig=${e.signature?.outcome} c${e.connectionId} ${e.at}`) }));
  writeFileSync('/tmp/h5/rec.json', JSON.stringify(out, null, 1));
}, 600_000);
