/**
 * The mock WFM's admin page in Debian's Chromium (headless, playwright-core): a device's onboarding is pending,
 * the WFM user opens the page with ?token=, clicks "approve", and the device's next onboarding gets 201; then
 * "revoke" makes its signed requests 403. Without /usr/bin/chromium the test is skipped locally and FAILS in CI.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCapabilities, getProfile } from '../core/profiles/index.js';
import { startMockWfm, type MockWfm } from '../mock-server/index.js';
import { createClientPki, createProbe, jsonOf, type Probe } from './support/mock-probe.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);

describe('mock admin page browser prerequisites', () => {
  it.runIf(process.env.CI === 'true')('Chromium is installed in CI', () => {
    expect(hasChromium, `${CHROMIUM} is missing: apt-get install -y chromium`).toBe(true);
  });
});

describe.skipIf(!hasChromium)('mock WFM admin page in headless Chromium', () => {
  let dir: string;
  let mock: MockWfm;
  let probe: Probe;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'margo-admin-browser-'));
    mock = await startMockWfm({ onboarding: 'manual' });
    probe = createProbe(mock);
    context = await chromium.launchPersistentContext(join(dir, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = context.pages()[0] ?? (await context.newPage());
  });

  afterAll(async () => {
    await context?.close();
    await probe?.close();
    await mock?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('approves a pending onboarding and revokes the client by clicking', async () => {
    const device = await (await createClientPki()).leaf();
    expect((await probe.onboard(device)).status).toBe(403);

    await page.goto(`${mock.adminUrl}?token=${mock.adminToken}`);
    expect(page.url()).toBe(mock.adminUrl); // the token left the address bar; a cookie carries the session
    await page.locator(`[data-testid="approve"][data-fingerprint="${device.fingerprint256}"]`).click();
    await page.waitForURL(/done=approved/);
    await expect(page.locator('[data-testid="notice"]').textContent()).resolves.toContain('approved');

    const onboarded = await probe.onboard(device);
    expect(onboarded.status).toBe(201);
    const clientId = jsonOf(onboarded)['clientId'] as string;

    await page.reload();
    await expect(page.locator('[data-testid="client-row"]').count()).resolves.toBe(1);
    await page.locator(`[data-testid="revoke"][data-client-id="${clientId}"]`).click();
    await page.waitForURL(/done=revoked/);
    const caps = await probe.send('POST', `/api/v1/clients/${clientId}/capabilities`, {
      body: buildCapabilities(getProfile('rfc9421-v1'), { deviceId: 'd' }),
      sign: { cert: device },
    });
    expect(caps.status).toBe(403);
  });
});
