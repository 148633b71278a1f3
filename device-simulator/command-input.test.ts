import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isConformanceError } from '../core/errors.js';
import { createRootCa } from '../core/pki/index.js';
import { checkCaUrl, checkWfmUrl, readCaPemFile, redactUrl } from './command-input.js';

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (err) {
    return isConformanceError(err) ? err.code : 'not-a-conformance-error';
  }
  return undefined;
}

describe('device command input', () => {
  it('redactUrl cuts userinfo out of URLs and of text that does not parse', () => {
    expect(redactUrl('https://op:secret@wfm.example:8443/x')).toBe('https://***@wfm.example:8443/x');
    expect(redactUrl('https://op:secret@[broken')).not.toContain('secret');
    expect(redactUrl('https://wfm.example')).toBe('https://wfm.example');
  });

  it('checkWfmUrl accepts https base URLs with a prefix and refuses the rest as TARGET_URL_INVALID', () => {
    expect(checkWfmUrl('https://127.0.0.1:8443/margo', '--wfm')).toBe('https://127.0.0.1:8443/margo');
    for (const bad of ['http://127.0.0.1', 'https://u:p@127.0.0.1', 'https://u@127.0.0.1', 'https://h/?a', 'https://h/?', 'https://h/#x', 'not a url', 'ftp://h']) {
      expect(codeOf(() => checkWfmUrl(bad, '--wfm')), bad).toBe('TARGET_URL_INVALID');
    }
    expect(codeOf(() => checkCaUrl('http://127.0.0.1:8080', '--ca-url'))).toBeUndefined();
    expect(codeOf(() => checkCaUrl('http://a:b@127.0.0.1', '--ca-url'))).toBe('TARGET_URL_INVALID');
  });

  it('readCaPemFile takes a PEM certificate and refuses keys, plain text and broken certificates', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'margo-ca-input-'));
    const ca = await createRootCa({ commonName: 'input test CA' });
    const files: Record<string, string> = {
      'ca.pem': ca.certPem,
      'key.pem': ca.privateKeyPem,
      'text.txt': 'hello',
      'broken.pem': '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n',
    };
    for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
    expect(await readCaPemFile(join(dir, 'ca.pem'), '--ca')).toBe(ca.certPem);
    for (const name of ['key.pem', 'text.txt', 'broken.pem']) {
      const err = await readCaPemFile(join(dir, name), '--ca').catch((e: unknown) => e);
      expect(isConformanceError(err, 'CONFIG_INVALID'), name).toBe(true);
      expect((err as Error).message).toContain('not a PEM certificate');
    }
    const missing = await readCaPemFile(join(dir, 'missing.pem'), '--ca').catch((e: unknown) => e);
    expect(isConformanceError(missing, 'CONFIG_FILE_UNREADABLE')).toBe(true);
  });
});
