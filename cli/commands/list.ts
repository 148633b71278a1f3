/**
 * @module `margo-conformance list`: prints the check catalogue (id, level, spec clause, applicability for the
 * chosen profile) without touching any target.
 */
import { DEFAULT_PROFILE_ID, getProfile } from '../../core/profiles/index.js';
import { listCatalogue } from '../../core/runner.js';
import { clientCatalogue } from '../../suites/client/index.js';
import { WFM_CHECKS } from '../../suites/wfm/index.js';
import { EXIT } from '../exit-codes.js';
import type { CliIo } from '../io.js';

/**
 * Prints the catalogue of one role or both.
 * @returns exit code 0
 * @throws ConformanceError PROFILE_UNKNOWN for an unknown `--profile`
 */
export async function runListCommand(
  opts: { role: 'wfm' | 'client' | 'all'; profile?: string; json?: true },
  io: CliIo,
): Promise<number> {
  const profile = getProfile(opts.profile ?? DEFAULT_PROFILE_ID);
  const roles = opts.role === 'all' ? (['wfm', 'client'] as const) : [opts.role];
  const catalogues = roles.map((role) => {
    const checks = role === 'wfm' ? WFM_CHECKS : clientCatalogue;
    const byId = new Map(checks.map((c) => [c.id, c]));
    const entries = listCatalogue(checks, profile.id).map((e) => ({ ...e, clause: byId.get(e.id)?.clause }));
    return { role, entries };
  });
  if (opts.json === true) {
    io.stdout(JSON.stringify({ profile: profile.id, catalogues }, null, 2));
    return EXIT.conformant;
  }
  for (const { role, entries } of catalogues) {
    io.stdout(`${role} suite — ${entries.length} checks (profile ${profile.id})`);
    for (const e of entries) {
      const applicable = e.applicable ? '' : '  [not applicable in this profile]';
      io.stdout(`  ${e.level.padEnd(6)} ${e.id}${applicable}`);
      io.stdout(`         ${e.title}`);
      if (e.clause !== undefined) io.stdout(`         ${e.clause.source} § ${e.clause.section}`);
    }
    io.stdout('');
  }
  return EXIT.conformant;
}
