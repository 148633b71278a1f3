/**
 * The root command never silently tests the built-in mock when the user meant a real WFM, and its messages name
 * where a value came from (`--target` vs `MARGO_TARGET=` vs the config file):
 * - remote-only settings (`--ca`, `--insecure-bootstrap`, `--operator-*`) and `--certification` need a target;
 * - an empty target (`--target ''`, `MARGO_TARGET=`) is a usage error, not "no target";
 * - a target ending in /api/v1 gets a one-line hint;
 * - env-provided values are named as such.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { runWfmCommand, type WfmRunFlags } from '../cli/commands/run-wfm.js';
import { DEFAULT_DEVICE_CA_DIR, ensureDeviceCa } from '../cli/device-ca.js';
import { exitCodeForError } from '../cli/exit-codes.js';
import { apiPrefixHint, parseTargetUrl } from '../cli/wfm-bootstrap.js';
import type { RunResult } from '../core/check.js';
import { isConformanceError } from '../core/errors.js';
import { getProfile } from '../core/profiles/index.js';
import { startMockWfm } from '../mock-server/index.js';
import type { MockWfm } from '../mock-server/types.js';
import { fakeIo, removeFakeIoDirs } from './wfm-helpers.js';

afterAll(removeFakeIoDirs);

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

/** Runs the command and returns the error it rejected with (checking its code and exit code) and the io. */
async function usageError(flags: WfmRunFlags, env: Record<string, string> = {}, opts: { code?: string; isTty?: boolean } = {}): Promise<string> {
  const io = await fakeIo({ env, ...(opts.isTty === undefined ? {} : { isTty: opts.isTty }) });
  const err: unknown = await runWfmCommand(flags, io).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isConformanceError(err, opts.code ?? 'USAGE'), String(err)).toBe(true);
  expect(exitCodeForError(err)).toBe(2);
  const message = (err as Error).message;
  expect(message).not.toContain('\n');
  // Nothing started: no progress line, no report.
  expect(io.out).toEqual([]);
  return message;
}

async function startTargetMock(cwd: string): Promise<MockWfm> {
  const deviceCa = await ensureDeviceCa(DEFAULT_DEVICE_CA_DIR, cwd, new Date());
  const mock = await startMockWfm({ host: '127.0.0.1', port: 0, trustedIssuers: [deviceCa.certPem] });
  cleanups.push(() => mock.close());
  return mock;
}

describe('settings that need a target', () => {
  it.each<[string, WfmRunFlags, Record<string, string>, string]>([
    ['--ca', { ca: 'wfm-ca.pem' }, {}, '--ca needs --target: without --target the suite tests the built-in mock WFM'],
    ['MARGO_CA', {}, { MARGO_CA: 'wfm-ca.pem' }, 'MARGO_CA needs --target: without --target the suite tests the built-in mock WFM'],
    ['--insecure-bootstrap', { insecureBootstrap: true }, {}, '--insecure-bootstrap needs --target: without --target the suite tests the built-in mock WFM'],
    ['--operator-command', { operatorCommand: 'true' }, {}, '--operator-command needs --target: without --target the suite tests the built-in mock WFM'],
    ['--operator-hook', { operatorHook: 'http://127.0.0.1:1/hook' }, {}, '--operator-hook needs --target: without --target the suite tests the built-in mock WFM'],
    ['--operator-prompt', { operatorPrompt: true }, {}, '--operator-prompt needs --target: without --target the suite tests the built-in mock WFM'],
    ['MARGO_OPERATOR_INTERACTIVE', {}, { MARGO_OPERATOR_INTERACTIVE: 'true' }, 'MARGO_OPERATOR_INTERACTIVE needs --target: without --target the suite tests the built-in mock WFM'],
  ])('%s without a target exits 2 with one line', async (_name, flags, env, expected) => {
    expect(await usageError(flags, env)).toBe(expected);
  });

  it('names the config file when the setting came from it', async () => {
    const io = await fakeIo();
    await writeFile(join(io.cwd, 'margo.yaml'), 'ca: wfm-ca.pem\n');
    const err: unknown = await runWfmCommand({ config: 'margo.yaml' }, io).then(() => undefined, (e: unknown) => e);
    expect((err as Error).message).toBe('ca in margo.yaml needs --target: without --target the suite tests the built-in mock WFM');
  });

  it.each<[WfmRunFlags, Record<string, string>]>([
    [{ certification: true }, {}],
    [{}, { MARGO_CERTIFICATION: 'true' }],
  ])('a certification run without a target exits 2 (%o %o)', async (flags, env) => {
    expect(await usageError(flags, env)).toContain('certification needs --target');
  });
});

describe('an empty or malformed target', () => {
  it('--target "" exits 2 instead of testing the built-in mock', async () => {
    expect(await usageError({ target: '' }, {}, { code: 'TARGET_URL_INVALID' })).toMatch(/^--target is empty: give the WFM base URL/);
  });

  it.each(['', '  '])('MARGO_TARGET=%j exits 2 instead of testing the built-in mock', async (value) => {
    expect(await usageError({}, { MARGO_TARGET: value }, { code: 'TARGET_URL_INVALID' })).toMatch(/^MARGO_TARGET is empty: give the WFM base URL/);
  });

  it('names MARGO_TARGET, with its value, when the env variable holds a bad URL', async () => {
    const message = await usageError({}, { MARGO_TARGET: 'http://wfm.example' }, { code: 'TARGET_URL_INVALID' });
    expect(message).toBe('MARGO_TARGET=http://wfm.example: the scheme must be https (found http)');
    expect(await usageError({}, { MARGO_TARGET: 'not a url' }, { code: 'TARGET_URL_INVALID' })).toMatch(/^MARGO_TARGET must be an absolute https URL/);
  });

  it('keeps naming --target for the flag, which wins over MARGO_TARGET', async () => {
    const message = await usageError({ target: 'http://flag.example' }, { MARGO_TARGET: 'https://env.example' }, { code: 'TARGET_URL_INVALID' });
    expect(message).toBe('--target http://flag.example: the scheme must be https (found http)');
  });

  it('names the config file for a target read from it', async () => {
    const io = await fakeIo();
    await writeFile(join(io.cwd, 'margo.yaml'), 'target: http://wfm.example\n');
    const err: unknown = await runWfmCommand({ config: 'margo.yaml' }, io).then(() => undefined, (e: unknown) => e);
    expect((err as Error).message).toBe('target: http://wfm.example in margo.yaml: the scheme must be https (found http)');
  });
});

describe('an operator prompt without a terminal', () => {
  it('names MARGO_OPERATOR_INTERACTIVE=true when the env variable asked for it', async () => {
    const message = await usageError({ target: 'https://127.0.0.1:1' }, { MARGO_OPERATOR_INTERACTIVE: 'true' });
    expect(message).toMatch(/^MARGO_OPERATOR_INTERACTIVE=true needs a terminal/);
    expect(message).not.toContain('--operator-prompt needs');
  });

  it('names --operator-prompt when the flag asked for it', async () => {
    expect(await usageError({ target: 'https://127.0.0.1:1', operatorPrompt: true })).toMatch(/^--operator-prompt needs a terminal/);
  });
});

describe('a target that ends in /api/v1', () => {
  const profile = getProfile('rfc9421-v1');

  it('gets a hint naming the base URL meant; other paths get none', () => {
    expect(apiPrefixHint(parseTargetUrl('https://wfm.example/tenant/api/v1/'), profile)).toBe(
      '--target https://wfm.example/tenant/api/v1 ends in /api/v1: the base URL must not include /api/v1 (the suite adds /api/v1/… to every route); did you mean https://wfm.example/tenant?',
    );
    expect(apiPrefixHint(parseTargetUrl('https://wfm.example/API/V1', { kind: 'env', name: 'MARGO_TARGET' }), profile, { kind: 'env', name: 'MARGO_TARGET' })).toMatch(
      /^MARGO_TARGET=https:\/\/wfm\.example\/API\/V1 ends in \/api\/v1: .* did you mean https:\/\/wfm\.example\?$/,
    );
    for (const url of ['https://wfm.example', 'https://wfm.example/tenant', 'https://wfm.example/api', 'https://wfm.example/api/v1x']) {
      expect(apiPrefixHint(parseTargetUrl(url), profile), url).toBeUndefined();
    }
  });

  it('prints the hint as one line and records it in the report, then runs', async () => {
    const io = await fakeIo();
    const mock = await startTargetMock(io.cwd);
    await writeFile(join(io.cwd, 'ca.pem'), mock.caPem);
    const code = await runWfmCommand({ target: `${mock.url}/api/v1`, ca: 'ca.pem', reportDir: 'out', only: ['wfm.certificate-api.returns-root-ca'] }, io);
    expect(code).toBe(1);
    const hint = `--target ${mock.url}/api/v1 ends in /api/v1: the base URL must not include /api/v1 (the suite adds /api/v1/… to every route); did you mean ${mock.url}?`;
    expect(io.err).toContain(`note: ${hint}`);
    const report = JSON.parse(await readFile(join(io.cwd, 'out', 'report.json'), 'utf8')) as RunResult;
    expect(report.notes).toContain(hint);
  }, 60_000);

  it('leads with the hint when the Certificate API is not found at the doubled path', async () => {
    const io = await fakeIo();
    const mock = await startTargetMock(io.cwd);
    const err: unknown = await runWfmCommand({ target: `${mock.url}/api/v1`, insecureBootstrap: true }, io).then(() => undefined, (e: unknown) => e);
    expect(isConformanceError(err, 'CA_UNAVAILABLE'), String(err)).toBe(true);
    expect((err as Error).message).toMatch(new RegExp(`^--target ${mock.url.replace(/[.]/g, '\\.')}/api/v1 ends in /api/v1: .*\\(the Certificate API answered 404`));
  }, 60_000);
});
