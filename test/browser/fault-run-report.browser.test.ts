/**
 * The four reports of a REAL fault-injected run: the mock WFM started with `accept-unsigned`, the `wfm` suite run
 * against it in-process (runWfmCommand, all four formats). report.json validates against the report schema, the
 * JUnit counts match the JSON's verdict counts, summary.md names the failing checks, and the HTML report opened
 * from file:// in headless Chromium makes no network request, says "not conformant", filters to exactly the
 * failing checks and shows the clause and the faulty 2xx exchange of an expanded failure. The browser part skips
 * without /usr/bin/chromium locally and FAILS in CI (test/support/chromium.ts).
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsPkg from 'ajv-formats';
import { XMLParser } from 'fast-xml-parser';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runWfmCommand } from '../../cli/commands/run-wfm.js';
import { DEFAULT_DEVICE_CA_DIR, ensureDeviceCa } from '../../cli/device-ca.js';
import type { RunResult } from '../../core/check.js';
import { packagePath } from '../../core/paths.js';
import type { RecordedExchange } from '../../core/traffic.js';
import { startMockWfm } from '../../mock-server/index.js';
import type { MockWfm } from '../../mock-server/types.js';
import { WFM_CHECKS } from '../../suites/wfm/index.js';
import { firstPage, hasChromium, launchChromium, requireChromiumInCi } from '../support/chromium.js';
import { fakeIo, removeFakeIoDirs } from '../wfm-helpers.js';

/** What `accept-unsigned` breaks: the three unsigned-request checks, and nothing else. */
const EXPECTED_FAILING = [
  'wfm.payload-security.rejects-unsigned-capabilities',
  'wfm.payload-security.rejects-unsigned-onboarding',
  'wfm.payload-security.rejects-unsigned-status',
];
const EXPANDED = 'wfm.payload-security.rejects-unsigned-onboarding';

type Xml = Record<string, unknown>;

let mock: MockWfm | undefined;
let reportDir: string;
let exitCode: number;
let report: RunResult;
let reportText: string;
/** The answer the faulty mock gave to the unsigned OnboardingRequest, from the mock's own recording. */
let unsignedOnboarding: RecordedExchange;

beforeAll(async () => {
  const io = await fakeIo();
  const deviceCa = await ensureDeviceCa(DEFAULT_DEVICE_CA_DIR, io.cwd, new Date());
  mock = await startMockWfm({ host: '127.0.0.1', port: 0, trustedIssuers: [deviceCa.certPem], faults: ['accept-unsigned'] });
  await writeFile(join(io.cwd, 'ca.pem'), mock.caPem);
  exitCode = await runWfmCommand({ target: mock.url, ca: 'ca.pem', reportDir: 'out', format: 'json,junit,html,md' }, io);
  reportDir = join(io.cwd, 'out');
  reportText = await readFile(join(reportDir, 'report.json'), 'utf8');
  report = JSON.parse(reportText) as RunResult;
  const unsigned = mock.traffic().filter(
    (e): e is RecordedExchange =>
      e.type === 'exchange' && e.route === 'onboarding' && e.request.headers['signature'] === undefined && (e.signature?.faultsApplied ?? []).includes('accept-unsigned'),
  );
  expect(unsigned).toHaveLength(1);
  unsignedOnboarding = unsigned[0]!;
}, 120_000);

afterAll(async () => {
  await mock?.close();
  await removeFakeIoDirs();
});

describe('reports of a run against a mock WFM with accept-unsigned', () => {
  it('exits 1 and records exactly the unsigned-request checks as failing', () => {
    expect(exitCode).toBe(1);
    expect(report.results.filter((r) => r.status === 'fail').map((r) => r.id).sort()).toEqual(EXPECTED_FAILING);
    expect(report.counts.fail).toBe(EXPECTED_FAILING.length);
  });

  it('report.json validates against schemas/report.schema.json (Ajv 2020-12, strict, formats)', () => {
    const ajv = new Ajv2020({ allErrors: true, strict: true });
    addFormatsPkg.default(ajv);
    const validate = ajv.compile(JSON.parse(readFileSync(packagePath('schemas', 'report.schema.json'), 'utf8')) as object);
    expect(validate(JSON.parse(reportText)), JSON.stringify(validate.errors, null, 2)).toBe(true);
  });

  it('junit.xml parses and its tests/failures/errors/skipped match the JSON verdict counts', async () => {
    const xml = await readFile(join(reportDir, 'junit.xml'), 'utf8');
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@' }).parse(xml) as { testsuites: Xml };
    const root = doc.testsuites;
    const { counts } = report;
    const expected = {
      tests: report.results.length,
      failures: counts.fail,
      errors: counts.error,
      skipped: counts.skip + counts['not-applicable'] + counts.inconclusive,
    };
    expect({ tests: Number(root['@tests']), failures: Number(root['@failures']), errors: Number(root['@errors']), skipped: Number(root['@skipped']) }).toEqual(expected);
    const suites = ([] as Xml[]).concat(root['testsuite'] as Xml | Xml[]);
    const cases = suites.flatMap((s) => ([] as Xml[]).concat(s['testcase'] as Xml | Xml[]));
    expect(cases).toHaveLength(expected.tests);
    expect(cases.filter((c) => c['failure'] !== undefined)).toHaveLength(expected.failures);
    expect(cases.filter((c) => c['error'] !== undefined)).toHaveLength(expected.errors);
    expect(cases.filter((c) => c['skipped'] !== undefined)).toHaveLength(expected.skipped);
    const failedNames = cases.filter((c) => c['failure'] !== undefined).map((c) => String(c['@name']).split(':')[0]);
    expect(failedNames.sort()).toEqual(EXPECTED_FAILING);
  });

  it('summary.md says not conformant and names every failing check id', async () => {
    const md = await readFile(join(reportDir, 'summary.md'), 'utf8');
    expect(md).toMatch(/not conformant/i);
    for (const id of EXPECTED_FAILING) expect(md).toContain(id);
  });
});

requireChromiumInCi();

describe.skipIf(!hasChromium)('HTML report of the accept-unsigned run in headless Chromium', () => {
  let profileDir: string;
  let context: BrowserContext;
  let page: Page;
  const requested: string[] = [];

  beforeAll(async () => {
    profileDir = await mkdtemp(join(tmpdir(), 'margo-browser-'));
    context = await launchChromium(profileDir);
    context.on('request', (r) => requested.push(r.url()));
    page = await firstPage(context);
    await page.goto(pathToFileURL(join(reportDir, 'report.html')).href);
  });

  afterAll(async () => {
    await context?.close();
    await rm(profileDir, { recursive: true, force: true });
  });

  it('opens from file:// without any network request and says not conformant', async () => {
    await expect(page.locator('#conformant').textContent()).resolves.toBe('Not conformant (exit 1)');
    await expect(page.locator('#conformant').getAttribute('data-conformant')).resolves.toBe('false');
    await expect(page.locator('#counts li[data-status="fail"] b').textContent()).resolves.toBe(String(EXPECTED_FAILING.length));
    expect(requested.length).toBeGreaterThan(0);
    expect(requested.filter((u) => !u.startsWith('file://'))).toEqual([]);
  });

  it('filtering by fail shows exactly the failing checks', async () => {
    const boxes = page.locator('input[data-filter]');
    for (const box of await boxes.all()) {
      if ((await box.getAttribute('data-filter')) === 'fail') await box.check();
      else await box.uncheck();
    }
    const visible: string[] = [];
    for (const row of await page.locator('tr.check').all()) {
      if (await row.isVisible()) visible.push((await row.getAttribute('data-id')) ?? '');
    }
    expect(visible.sort()).toEqual(EXPECTED_FAILING);
    await expect(page.locator('#visible-count').textContent()).resolves.toBe(String(EXPECTED_FAILING.length));
  });

  it(`expanding ${EXPANDED} shows its clause and the exchange the faulty mock answered with a 2xx status`, async () => {
    const check = WFM_CHECKS.find((c) => c.id === EXPANDED);
    expect(check).toBeDefined();
    const { clause } = check!;
    const status = unsignedOnboarding.response.status;
    expect(status).toBeGreaterThanOrEqual(200);
    expect(status).toBeLessThan(300);

    const row = page.locator(`tr.check[data-id="${EXPANDED}"]`);
    const quote = row.locator('.detail blockquote');
    await expect(quote.isVisible()).resolves.toBe(false);
    await row.locator('summary').click();
    await expect(quote.isVisible()).resolves.toBe(true);
    const quoteText = (await quote.textContent()) ?? '';
    expect(quoteText).toContain(clause.quote);
    expect(quoteText).toContain(`${clause.source} § ${clause.section}`);

    const exchanges = row.locator('.evidence.exchange');
    expect(await exchanges.count()).toBeGreaterThan(0);
    const texts = await exchanges.allTextContents();
    const statusLine = new RegExp(`(^|\\n)< ${status}\\n`);
    const shown = texts.find((t) => statusLine.test(t) && t.includes(`> POST ${unsignedOnboarding.request.targetUri}\n`));
    expect(shown, texts.join('\n---\n')).toBeDefined();
    await expect(exchanges.first().isVisible()).resolves.toBe(true);
  });
});
