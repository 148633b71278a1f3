/**
 * Opens a real HTML report in Debian's Chromium (headless, via playwright-core; no browser download) and checks
 * that the summary, the verdict filter and an expanded signature failure render. Without /usr/bin/chromium the
 * test is skipped locally and FAILS in CI (CI=true), so a broken CI image cannot silently drop it
 * (test/support/chromium.ts).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../../core/check.js';
import { writeReports } from '../../core/report/index.js';
import { firstPage, hasChromium, launchChromium, requireChromiumInCi } from '../support/chromium.js';
import { sampleRun } from '../support/sample-run.js';

/** The page's own global (these closures run in Chromium); the project's TS lib has no DOM types. */
declare const getComputedStyle: (el: unknown, pseudo?: string) => { content: string; backgroundColor: string };

requireChromiumInCi();

describe.skipIf(!hasChromium)('HTML report in headless Chromium', () => {
  let dir: string;
  let context: BrowserContext;
  let page: Page;
  let run: RunResult;
  const requested: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'margo-browser-'));
    run = await sampleRun();
    const out = await writeReports(run, join(dir, 'report'), ['html'], { failOn: 'fail', certification: false });
    const htmlPath = out.files[0] ?? '';
    context = await launchChromium(join(dir, 'profile'));
    page = await firstPage(context);
    page.on('request', (r) => requested.push(r.url()));
    await page.goto(pathToFileURL(htmlPath).href);
  });

  afterAll(async () => {
    await context?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('renders the summary with counts, the conformant flag, profile and target', async () => {
    await expect(page.locator('#conformant').textContent()).resolves.toBe('Not conformant (exit 4)');
    for (const status of ['pass', 'fail', 'error', 'inconclusive'] as const) {
      await expect(page.locator(`#counts li[data-status="${status}"] b`).textContent()).resolves.toBe(String(run.counts[status]));
    }
    await expect(page.locator('.facts').textContent()).resolves.toContain('rfc9421-v1');
    await expect(page.locator('#visible-count').textContent()).resolves.toBe(String(run.results.length));
    expect(requested.every((u) => u.startsWith('file://'))).toBe(true);
  });

  it('hides rows of a verdict when its filter box is unchecked', async () => {
    const passRows = page.locator('tr.check[data-status="pass"]');
    await expect(passRows.first().isVisible()).resolves.toBe(true);
    await page.locator('input[data-filter="pass"]').uncheck();
    await expect(passRows.first().isHidden()).resolves.toBe(true);
    await expect(passRows.count()).resolves.toBe(run.counts.pass);
    for (const row of await passRows.all()) await expect(row.isHidden()).resolves.toBe(true);
    await expect(page.locator('tr.check[data-status="fail"]').first().isVisible()).resolves.toBe(true);
    await expect(page.locator('#visible-count').textContent()).resolves.toBe(String(run.results.length - run.counts.pass));
    await page.locator('input[data-filter="pass"]').check();
    await expect(passRows.first().isVisible()).resolves.toBe(true);
  });

  it('expands a signature failure: both bases, differing lines marked, copy-as-curl text', async () => {
    const row = page.locator('tr.check[data-id="wfm.onboarding.rejects-bad-signature"]');
    const expected = row.locator('.sigdiff .expected');
    await expect(expected.isVisible()).resolves.toBe(false);
    await row.locator('summary').click();
    await expect(expected.isVisible()).resolves.toBe(true);
    await expect(row.locator('.sigdiff .actual').isVisible()).resolves.toBe(true);
    const changedExpected = expected.locator('.line.changed');
    const changedActual = row.locator('.sigdiff .actual .line.changed');
    await expect(changedExpected.count()).resolves.toBe(1);
    await expect(changedExpected.textContent()).resolves.toBe('"@target-uri": https://127.0.0.1:8443/api/v1/onboarding');
    await expect(changedActual.textContent()).resolves.toBe('"@target-uri": https://127.0.0.1:8443/api/v1/onboarding/');
    const marker = await changedActual.evaluate((el) => getComputedStyle(el, '::before').content);
    expect(marker).toBe('"+"');
    const background = (el: unknown): string => getComputedStyle(el).backgroundColor;
    const unchanged = await expected.locator('.line:not(.changed)').first().evaluate(background);
    const changed = await changedExpected.evaluate(background);
    expect(changed).not.toBe(unchanged);
    const curl = await row.locator('pre.curl-text').first().textContent();
    expect(curl).toMatch(/^curl --request 'POST' 'https:\/\/127\.0\.0\.1:8443\/api\/v1\/onboarding\?q=it'\\''s'/);
    await expect(row.locator('blockquote').textContent()).resolves.toContain('requests MUST be signed');
  });

  it('shows hostile target output as text, not markup', async () => {
    const row = page.locator('tr.check[data-id="wfm.onboarding.rejects-bad-signature"]');
    await expect(row.locator('script').count()).resolves.toBe(0);
    await expect(row.locator('img').count()).resolves.toBe(0);
    await expect(row.locator('.exchange pre').nth(1).textContent()).resolves.toContain('<script>alert("xss")</script>');
  });
});
