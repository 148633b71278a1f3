import { spawn, execFile } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packagePath } from '../core/paths.js';
import { buildCapabilities, getProfile } from '../core/profiles/index.js';
import { createClientPki, createProbe, jsonOf } from '../test/support/mock-probe.js';
import { startMockWfm } from './index.js';
import { createSnapshotWriter } from './atomic-file.js';

const profile = getProfile('rfc9421-v1');

/** Compiles the child script and what it imports with the project's own tsc into node_modules/.cache. */
async function compileChild(): Promise<string> {
  const outDir = packagePath('node_modules', '.cache', 'margo-mock-kill-test');
  await mkdir(outDir, { recursive: true });
  const tsconfig = join(outDir, 'tsconfig.json');
  await writeFile(
    tsconfig,
    JSON.stringify({
      extends: packagePath('tsconfig.json'),
      compilerOptions: { rootDir: packagePath(), outDir, sourceMap: false, noEmitOnError: false },
      files: [packagePath('test', 'support', 'mock-kill-child.ts')],
      include: [],
    }),
  );
  await new Promise<void>((resolve) => {
    // Type errors elsewhere in the tree (other work in progress) must not stop the emit: we only need the JS.
    execFile(packagePath('node_modules', '.bin', 'tsc'), ['-p', tsconfig], { timeout: 120_000 }, () => resolve());
  });
  return join(outDir, 'test', 'support', 'mock-kill-child.js');
}

interface Onboarded {
  clientId: string;
  keyPem: string;
}

/** Runs the child until `count` 201s were printed, then SIGKILLs it. */
function runAndKill(script: string, dataDir: string, count: number): Promise<{ ca: string; onboarded: Onboarded[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    const onboarded: Onboarded[] = [];
    let ca = '';
    let buffer = '';
    let stderr = '';
    let killed = false;
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      buffer += d.toString();
      let nl = buffer.indexOf('\n');
      while (nl >= 0) {
        const [kind, a, b] = buffer.slice(0, nl).split(' ');
        buffer = buffer.slice(nl + 1);
        nl = buffer.indexOf('\n');
        if (kind === 'READY') ca = a ?? '';
        if (kind === 'ONBOARDED' && !killed) onboarded.push({ clientId: a ?? '', keyPem: Buffer.from(b ?? '', 'base64').toString() });
        if (onboarded.length >= count && !killed) {
          killed = true;
          child.kill('SIGKILL');
        }
      }
    });
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve({ ca, onboarded });
      else reject(new Error(`child exited ${code}: ${stderr}`));
    });
  });
}

describe('--data-dir persistence', () => {
  it('a restarted mock knows its clients, their keys, its PKI and the WFM user decisions', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'margo-mock-data-'));
    const pki = await createClientPki();
    const first = await startMockWfm({ dataDir, onboarding: 'manual' });
    const probe1 = createProbe(first);
    const approvedDevice = await pki.leaf();
    const pendingDevice = await pki.leaf();
    await first.state.uploadCertificate(approvedDevice.certPem);
    const clientId = jsonOf(await probe1.onboard(approvedDevice))['clientId'] as string;
    expect((await probe1.onboard(pendingDevice)).status).toBe(403);
    await first.state.putDeployment(clientId, (await import('../test/support/mock-probe.js')).deploymentYaml('c0c1c2c3-0000-4000-8000-000000000003'));
    await probe1.close();
    await first.close();

    const second = await startMockWfm({ dataDir, onboarding: 'manual' });
    const probe2 = createProbe(second);
    expect(second.caFingerprint256).toBe(first.caFingerprint256);
    expect(second.state.client(clientId)?.manifestVersion).toBe('2');
    expect(second.state.listPending().map((p) => p.fingerprint256)).toEqual([pendingDevice.fingerprint256]);
    const caps = await probe2.send('POST', `/api/v1/clients/${clientId}/capabilities`, { body: buildCapabilities(profile, { deviceId: 'd' }), sign: { cert: approvedDevice } });
    expect(caps.status).toBe(201);
    expect(jsonOf(await probe2.onboard(approvedDevice))['clientId']).toBe(clientId);
    await probe2.close();
    await second.close();
  });

  it('no client whose 201 was received is lost when the process is killed with SIGKILL during writes', async () => {
    const script = await compileChild();
    const dataDir = await mkdtemp(join(tmpdir(), 'margo-mock-kill-'));
    const { ca, onboarded } = await runAndKill(script, dataDir, 25);
    expect(onboarded.length).toBeGreaterThanOrEqual(25);
    const restarted = await startMockWfm({ dataDir });
    const probe = createProbe(restarted);
    try {
      expect(restarted.caFingerprint256).toBe(ca);
      for (const o of onboarded) expect(restarted.state.client(o.clientId)?.clientId).toBe(o.clientId);
      const last = onboarded.at(-1) as Onboarded;
      const key = createPrivateKey(last.keyPem);
      expect(restarted.state.client(last.clientId)).toBeDefined();
      // The restarted mock verifies the device's signatures with the persisted certificate's key.
      const res = await probe.send('POST', `/api/v1/clients/${last.clientId}/capabilities`, {
        body: buildCapabilities(profile, { deviceId: 'd' }),
        sign: { cert: { privateKey: key, spkiSha256Hex: 'persisted' } },
      });
      expect(res.status).toBe(201);
    } finally {
      await probe.close();
      await restarted.close();
    }
  });

  it('the snapshot writer coalesces concurrent saves and each save covers the changes made before it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'margo-snap-'));
    let counter = 0;
    let writes = 0;
    const writer = createSnapshotWriter(join(dir, 's.json'), () => {
      writes += 1;
      return JSON.stringify({ counter });
    });
    const saves: Promise<void>[] = [];
    for (let i = 0; i < 20; i += 1) {
      counter += 1;
      saves.push(writer.save());
    }
    await Promise.all(saves);
    const { readFile } = await import('node:fs/promises');
    expect(JSON.parse(await readFile(join(dir, 's.json'), 'utf8'))).toEqual({ counter: 20 });
    expect(writes).toBeLessThanOrEqual(2);
  });
});
