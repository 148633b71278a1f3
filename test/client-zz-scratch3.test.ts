import { it } from 'vitest';
import { systemClock } from '../core/clock.js';
import { mergeConfig } from '../core/config.js';
import { getProfile } from '../core/profiles/index.js';
import { runScenario } from '../cli/client-harness.js';
import { inProcessSimulator } from '../cli/selftest-client.js';
import { clientScenarios } from '../suites/client/index.js';
const profile = getProfile('rfc9421-v1');
const config = mergeConfig({ profile: profile.id });
const sc = (id: string) => clientScenarios(profile).find((s) => s.id === id)!;
const H = 'u=${MARGO_WFM_URL#https://}; hp=${u%%/*}; host=${hp%:*}; port=${hp##*:};';
const cmds: Record<string, string> = {
  http: `${H} curl -s -m 3 "http://$hp/api/v1/onboarding/certificate" -o /dev/null; true`,
  curl12: `curl -sk -m 3 --tlsv1.2 --tls-max 1.2 "$MARGO_WFM_URL/api/v1/onboarding/certificate" -o /dev/null; echo rc=$?`,
  tcp: `${H} exec 3<>/dev/tcp/$host/$port; exec 3>&-; true`,
  nodewrong: `node -e "const t=require('tls');const u=new URL(process.env.MARGO_WFM_URL);const s=t.connect({host:u.hostname,port:+u.port,ca:require('fs').readFileSync(process.env.MARGO_CA_FILE)});s.on('error',e=>console.error(e.code))"`,
  opensslwrong: `${H} echo | timeout 3 openssl s_client -connect $hp -CAfile "$MARGO_CA_FILE" -verify_return_error >/dev/null 2>&1; true`,
  hang: `${H} (printf '\\x16\\x03\\x01\\x00\\x05'; sleep 20) | timeout 30 nc $host $port; true`,
};
it('dump', async () => {
  for (const [name, command] of Object.entries(cmds)) {
    const rec = await runScenario({ scenario: sc('tls-imposter'), profile, config, clock: systemClock, timeoutMs: name === 'hang' ? 2000 : 8000, env: process.env, launcher: { kind: 'command', command } });
    console.log('==', name, JSON.stringify({ ...rec.client, stdout: rec.client.stdout.slice(-200), stderr: rec.client.stderr.slice(-200) }));
    for (const e of rec.entries) console.log('   ', e.type === 'tls' ? `tls ${e.kind} ${e.servedCertificate} ${e.errorCode ?? ''} alert=${e.alert ?? ''} ${e.remote} at=${Date.parse(e.at)}` : `${e.request.method} ${e.route} ${e.response.status}`);
    for (const c of rec.connections ?? []) console.log('    conn', JSON.stringify(c));
  }
  for (const id of ['tls-imposter', 'happy-path']) {
    const rec = await runScenario({ scenario: sc(id), profile, config, clock: systemClock, timeoutMs: 8000, env: {}, launcher: inProcessSimulator([], config) });
    console.log('== sim', id, rec.client.stopRequestedAtMs, rec.client.startedAtMs);
    for (const e of rec.entries) console.log('   ', e.type === 'tls' ? `tls ${e.kind} ${e.servedCertificate} ${e.errorCode ?? ''} alert=${e.alert ?? ''} ${e.remote} at=${Date.parse(e.at)}` : `${e.request.method} ${e.route} ${e.response.status}`);
    for (const c of rec.connections ?? []) console.log('    conn', JSON.stringify(c));
  }
}, 120_000);
