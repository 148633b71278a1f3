/**
 * Child process of the kill -9 persistence test (compiled with the project's tsc at test time):
 * starts a mock WFM with `--data-dir <argv[2]>` and onboards fresh devices in 4 parallel loops until it is killed.
 * After each 201 it prints `ONBOARDED <clientId> <base64 of the device key PEM>`: the parent knows exactly
 * which 201s were received when it sends SIGKILL. The keys are test-only, generated at run time.
 */
import { createClientPki, createProbe, jsonOf } from './mock-probe.js';
import { startMockWfm } from '../../mock-server/index.js';

async function main(): Promise<void> {
  const dataDir = process.argv[2];
  if (dataDir === undefined) throw new Error('usage: mock-kill-child <data-dir>');
  const mock = await startMockWfm({ dataDir, port: 0 });
  const probe = createProbe(mock);
  const pki = await createClientPki();
  process.stdout.write(`READY ${mock.caFingerprint256}\n`);
  const loop = async (): Promise<void> => {
    for (;;) {
      const device = await pki.leaf();
      const res = await probe.onboard(device);
      if (res.status !== 201) throw new Error(`onboarding answered ${res.status}`);
      const clientId = String(jsonOf(res)['clientId']);
      process.stdout.write(`ONBOARDED ${clientId} ${Buffer.from(device.privateKeyPem).toString('base64')}\n`);
    }
  };
  await Promise.all([loop(), loop(), loop(), loop()]);
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
