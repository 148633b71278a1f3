import { afterAll, describe, expect, it } from 'vitest';
import { ConformanceError } from '../core/errors.js';
import { fakeIo, removeFakeIoDirs } from '../test/wfm-helpers.js';
import { flagIssue, loadEffectiveConfig, parseFormats, parseIntegerFlag, parseTimeoutFlag } from './config-loader.js';

afterAll(removeFakeIoDirs);

async function rejection(p: Promise<unknown>): Promise<ConformanceError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConformanceError);
  return err as ConformanceError;
}

describe('flag parsing', () => {
  it('drops repeated report formats silently', () => {
    expect(parseFormats('json,json')).toEqual(['json']);
    expect(parseFormats('md, JSON ,md')).toEqual(['md', 'json']);
    expect(parseFormats(undefined)).toBeUndefined();
    expect(() => parseFormats(',')).toThrow(ConformanceError);
  });

  it('bounds timeouts to 1..600000 ms', () => {
    expect(parseTimeoutFlag('1', '--timeout')).toBe(1);
    expect(parseTimeoutFlag('600000', '--timeout')).toBe(600_000);
    expect(() => parseTimeoutFlag('0', '--timeout')).toThrow("--timeout must be a whole number from 1 to 600000 (found '0')");
    expect(() => parseTimeoutFlag('600001', '--scenario-timeout')).toThrow('--scenario-timeout must be a whole number from 1 to 600000');
    expect(() => parseIntegerFlag('12ms', '--port')).toThrow("--port must be a whole number ≥ 0 (found '12ms')");
  });

  it('names flag-layer issues by the flag the user typed', () => {
    expect(flagIssue({ source: 'flags', key: 'profile', message: 'm' })).toEqual({ source: '--profile', key: '', message: 'm' });
    expect(flagIssue({ source: 'flags', key: 'reports.formats[1]', message: 'm' }).source).toBe('--format');
    expect(flagIssue({ source: 'flags', key: 'timeoutMs', message: 'm' }).source).toBe('--timeout');
    expect(flagIssue({ source: 'flags', key: 'signatures.label', message: 'm' })).toEqual({ source: 'flags', key: 'signatures.label', message: 'm' });
  });
});

describe('loadEffectiveConfig', () => {
  it('reports a bad flag value as "--profile: …"', async () => {
    const io = await fakeIo();
    const err = await rejection(loadEffectiveConfig({ flags: { profile: 'nope' }, io }));
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message).toBe("--profile: must be one of 'rfc9421-v1', 'rfc9421-rc2' (found 'nope')");
  });

  it('refuses an empty --config instead of ignoring it', async () => {
    const io = await fakeIo();
    const err = await rejection(loadEffectiveConfig({ flags: {}, configFile: '', io }));
    expect(err.code).toBe('USAGE');
  });

  it('names the variable for an out-of-range MARGO_TIMEOUT_MS', async () => {
    const io = await fakeIo({ env: { MARGO_TIMEOUT_MS: '600001' } });
    const err = await rejection(loadEffectiveConfig({ flags: {}, io }));
    expect(err.message).toBe('env MARGO_TIMEOUT_MS: timeoutMs: must be <= 600000 (found 600001)');
  });
});
