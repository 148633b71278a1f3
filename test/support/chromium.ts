/**
 * Headless Chromium for the browser tests: Debian's /usr/bin/chromium driven by playwright-core (no browser
 * download). Without the binary the browser tests skip locally and FAIL in CI (CI=true), so a broken CI image
 * cannot silently drop them.
 */
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import type { BrowserContext, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';

/** Where the Debian package installs Chromium. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** True when Chromium is installed. */
export const hasChromium = existsSync(CHROMIUM_PATH);

/** True in CI, where a missing Chromium is a failure rather than a skip. */
export const inCi = process.env['CI'] === 'true';

/** Registers the test that fails in CI when Chromium is missing (call once per browser test file). */
export function requireChromiumInCi(): void {
  describe('browser test prerequisites', () => {
    it.runIf(inCi)('Chromium is installed in CI', () => {
      expect(hasChromium, `${CHROMIUM_PATH} is missing: apt-get install -y chromium`).toBe(true);
    });
  });
}

/**
 * Launches headless Chromium with a fresh, empty profile in `userDataDir` (launchPersistentContext owns
 * `--user-data-dir`) and with background networking off, so the only requests are the page's own.
 */
export function launchChromium(userDataDir: string): Promise<BrowserContext> {
  return chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** The context's first page (a persistent context opens one), or a new one. */
export async function firstPage(context: BrowserContext): Promise<Page> {
  return context.pages()[0] ?? (await context.newPage());
}
