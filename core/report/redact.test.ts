import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../check.js';
import { plantSecrets, sampleRun } from '../../test/support/sample-run.js';
import type { PlantedSecrets } from '../../test/support/sample-run.js';
import {
  isSecretKeyName,
  REDACTED,
  REDACTED_PRIVATE_KEY,
  redactPrivateKeys,
  redactRun,
  redactText,
  shortenSignature,
} from './redact.js';
import { REPORT_FORMATS } from './render.js';
import { writeReports } from './write.js';

describe('redaction helpers', () => {
  it('shortens every byte sequence of a Signature value to 8 characters', () => {
    expect(shortenSignature('sig1=:K2qGT5srn2OGbOIDzQ6kYT+ruaycnDAAUpKv+ePFfD0=:, sig2=:YWJjZGVmZ2hpamtsbW5vcA==:')).toBe(
      'sig1=:K2qGT5sr…:, sig2=:YWJjZGVm…:',
    );
  });

  it('removes complete and truncated PEM private keys but keeps certificates', () => {
    const cert = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----';
    const key = `-----BEGIN EC ${'PRIVATE'} KEY-----\nMHcCAQEE\n-----END EC ${'PRIVATE'} KEY-----`;
    expect(redactPrivateKeys(`a ${key} b ${cert}`)).toBe(`a ${REDACTED_PRIVATE_KEY} b ${cert}`);
    expect(redactPrivateKeys(`x -----BEGIN ${'PRIVATE'} KEY-----\nMIGHAgEAMBMG`)).toBe(`x ${REDACTED_PRIVATE_KEY}`);
  });

  it('recognises secret config key names but not header-name lists', () => {
    for (const k of ['adminToken', 'token', 'password', 'clientKeyPem', 'apiKey', 'key', 'privateKey']) {
      expect(isSecretKeyName(k), k).toBe(true);
    }
    for (const k of ['keyid', 'maxAgeSeconds', 'secretHeaders', 'target', 'keyType']) {
      expect(isSecretKeyName(k), k).toBe(false);
    }
  });

  it('scrubs given secret values from free text', () => {
    expect(redactText('token=abcd1234 ok', ['abcd1234'])).toBe(`token=${REDACTED} ok`);
  });
});

describe('redactRun', () => {
  let secrets: PlantedSecrets;
  let run: RunResult;
  beforeAll(async () => {
    secrets = plantSecrets();
    run = await sampleRun(secrets);
  });

  it('redacts headers, config secrets and echoes but keeps verdicts and structure', () => {
    const red = redactRun(run, { secretHeaders: ['X-Vendor-Secret'] });
    expect(red.counts).toEqual(run.counts);
    expect(red.results.map((r) => r.status)).toEqual(run.results.map((r) => r.status));
    const first = red.results[0]?.evidence[0];
    if (first?.kind !== 'exchange') throw new Error('expected an exchange');
    expect(first.request.headers.authorization).toBe(REDACTED);
    expect(first.request.headers['x-vendor-secret']).toBe(REDACTED);
    expect(first.request.headers.signature).toBe(`sig1=:${secrets.signatureBytes.slice(0, 8)}…:`);
    expect(first.response?.body).toContain(REDACTED);
    expect(red.config).toMatchObject({ admin: { token: REDACTED }, tls: { clientKeyPem: REDACTED }, secretHeaders: ['x-vendor-secret'] });
    expect(JSON.stringify(red)).not.toContain(secrets.vendorSecret);
  });

  describe('report files', () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'margo-redact-'));
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('no planted secret appears in any written report file', async () => {
      const raw = JSON.stringify(run);
      // The planted values really are in the unredacted run, so their absence below is meaningful.
      for (const v of [secrets.adminToken, secrets.vendorSecret, secrets.signatureBytes, secrets.privateKeyLine]) {
        expect(raw).toContain(v);
      }
      await writeReports(run, dir, REPORT_FORMATS, {
        failOn: 'fail',
        certification: true,
        redaction: { secretHeaders: ['x-vendor-secret'] },
      });
      const files = await readdir(dir);
      expect(files.sort()).toEqual(['certification-manifest.json', 'junit.xml', 'report.html', 'report.json', 'summary.md']);
      const forbidden = [
        secrets.adminToken,
        secrets.vendorSecret,
        secrets.signatureBytes,
        secrets.signatureBytes.slice(8, 40),
        secrets.privateKeyLine,
        'PRIVATE KEY-----\n',
      ];
      for (const f of files) {
        const text = await readFile(join(dir, f), 'utf8');
        for (const secret of forbidden) expect(text, `${f} leaks ${secret}`).not.toContain(secret);
      }
    });
  });
});
