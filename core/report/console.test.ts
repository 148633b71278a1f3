import { describe, expect, it } from 'vitest';
import type { Check, CheckResult } from '../check.js';
import { sampleRun } from '../../test/support/sample-run.js';
import { formatProgress, formatSummary, sanitizeForTerminal } from './console.js';
import { outcomeOf } from './gates.js';

const check = { id: 'wfm.a.b' } as Check;
const result = { id: 'wfm.a.b', status: 'fail', durationMs: 12.4, message: 'got 200\u001b[2J' } as CheckResult;

describe('console output', () => {
  it('prints one plain line per finished check in CI and nothing on start', () => {
    const style = { tty: false, color: false };
    expect(formatProgress({ type: 'start', check, index: 2, total: 40 }, style)).toBeUndefined();
    expect(formatProgress({ type: 'end', check, index: 2, total: 40, result }, style)).toBe(
      '[ 3/40] FAIL           wfm.a.b (12 ms): got 200?[2J\n',
    );
  });

  it('redraws the status line on a TTY', () => {
    const style = { tty: true, color: false };
    expect(formatProgress({ type: 'start', check, index: 0, total: 1 }, style)).toBe('\r\u001b[2K[1/1] running wfm.a.b…');
    expect(formatProgress({ type: 'end', check, index: 0, total: 1, result }, style)).toMatch(/^\r\u001b\[2K\[1\/1\] FAIL/);
  });

  it('strips control characters from target text', () => {
    expect(sanitizeForTerminal('a\u001b]0;x\u0007b\nc\u009b')).toBe('a?]0;x?b c?');
  });

  it('summarises counts, the verdict and the reasons', async () => {
    const run = await sampleRun();
    const text = formatSummary(run, outcomeOf(run, { failOn: 'fail', certification: false }), { tty: false, color: false }, [
      '/r/report.html',
    ]);
    expect(text).toContain(`${run.results.length} checks: `);
    expect(text).toContain('NOT CONFORMANT (exit 4)');
    expect(text).toContain('wfm.status.hangs: error TIMEOUT');
    expect(text).toContain('  /r/report.html');
    expect(text).not.toContain('\u001b');
  });
});

describe('console redaction', () => {
  it('scrubs configured secrets and private keys from progress lines', () => {
    const leaky = { ...result, message: `token s3cr3t-v4lue and -----BEGIN ${'PRIVATE'} KEY-----\nMIGH` } as CheckResult;
    const line = formatProgress({ type: 'end', check, index: 0, total: 1, result: leaky }, { tty: false, color: false, secretValues: ['s3cr3t-v4lue'] });
    expect(line).toBe('[1/1] FAIL           wfm.a.b (12 ms): token [REDACTED] and [REDACTED PRIVATE KEY]\n');
  });
});
