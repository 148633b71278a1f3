/**
 * @module What the `mock-server` command prints and writes: the startup banner and the exported root CA.
 */
import { writeFileAtomic } from './atomic-file.js';
import { CLIENT_FAULT_KINDS, MOCK_FAULTS } from './faults.js';
import type { MockWfm } from './types.js';

/**
 * The startup banner: API URL, profile, root CA SHA-256 fingerprint, admin URL and token, onboarding policy and
 * faults, one `key: value` per line (the admin token is printed on purpose: the admin surface is loopback-only by
 * default and the token is the operator's key to it).
 */
export function formatBanner(mock: MockWfm): string {
  const lines = [
    'Margo mock WFM',
    `  URL:                ${mock.url}  (routes under /api/v1)`,
    `  profile:            ${mock.profileId}`,
    `  root CA SHA-256:    ${mock.caFingerprint256}`,
    ...(mock.plainHttpUrl === undefined ? [] : [`  plain-HTTP CA URL:  ${mock.plainHttpUrl}`]),
    `  admin URL:          ${mock.adminUrl}`,
    `  admin token:        ${mock.adminToken}`,
    `  admin page:         ${mock.adminUrl}?token=${mock.adminToken}`,
    `  onboarding policy:  ${mock.policy}`,
    `  faults:             ${mock.faults.length === 0 ? 'none' : mock.faults.join(', ')}`,
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * Writes the mock's root CA as PEM to `file` (`--export-ca`), for clients that take it out of band.
 * @throws ConformanceError `INTERNAL` when the file cannot be written
 */
export async function exportCaPem(mock: MockWfm, file: string): Promise<void> {
  await writeFileAtomic(file, mock.caPem);
}

/**
 * The `--list-faults` text: every server fault with the rule it breaks, then the scenario fault kinds.
 * One fault per line, `name  rule`, names padded to a column.
 */
export function formatFaultList(): string {
  const width = Math.max(...MOCK_FAULTS.map((f) => f.name.length), ...CLIENT_FAULT_KINDS.map((k) => k.kind.length)) + 2;
  const lines = [
    'Server faults (--fault NAME, repeatable; each breaks one rule):',
    ...MOCK_FAULTS.map((f) => `  ${f.name.padEnd(width)}${f.breaks}`),
    '',
    'Scenario faults (per client or for everyone, through clientFaults / POST /admin/api/faults):',
    ...CLIENT_FAULT_KINDS.map((k) => `  ${k.kind.padEnd(width)}${k.effect}`),
  ];
  return `${lines.join('\n')}\n`;
}
