import { describe, expect, it } from 'vitest';
import { sampleRun } from '../../test/support/sample-run.js';
import { outcomeOf } from './gates.js';
import { escapeMarkdown, renderMarkdown } from './markdown.js';
import { redactRun } from './redact.js';

describe('Markdown summary', () => {
  it('states the verdict, the counts and the checks that need attention, most severe first', async () => {
    const run = redactRun(await sampleRun());
    const md = renderMarkdown(run, outcomeOf(run, { failOn: 'fail', certification: false }));
    expect(md).toContain('❌ not conformant (exit 4)');
    expect(md).toContain('| pass | fail | warn | skip | not-applicable | inconclusive | error |');
    expect(md).toContain(`| ${['pass', 'fail', 'warn', 'skip', 'not-applicable', 'inconclusive', 'error'].map((s) => run.counts[s as 'pass']).join(' | ')} |`);
    const rows = md.split('\n').filter((l) => /^\| (error|fail|inconclusive|warn) \|/.test(l));
    expect(rows.map((l) => l.split(' | ')[0])).toEqual(['| error', '| error', '| fail', '| inconclusive', '| inconclusive', '| warn']);
    expect(md).not.toContain('<b>');
    expect(md).toContain('&lt;b&gt;');
  });

  it('escapes markup, links and table pipes', () => {
    expect(escapeMarkdown('a|b <img src=x> [l](http://x) *e*\nz')).toBe(
      'a\\|b &lt;img src=x&gt; \\[l\\]\\(http://x\\) \\*e\\* z',
    );
  });
});
