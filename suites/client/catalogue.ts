/**
 * @module The `client` catalogue: every client check in report order, and the scenarios a selection of checks needs.
 */
import type { Profile } from '../../core/profiles/index.js';
import { matchesGlob } from '../../core/runner.js';
import { capabilitiesChecks } from './capabilities.js';
import type { ClientCheck } from './context.js';
import { deploymentStatusChecks } from './deployment-status.js';
import { desiredStateChecks } from './desired-state.js';
import { onboardingChecks } from './onboarding.js';
import { payloadSecurityChecks } from './payload-security.js';
import { retryChecks } from './retry.js';
import { clientScenarios } from './scenarios.js';
import type { ClientScenario } from './scenarios.js';
import { tlsChecks } from './tls.js';

/** Every client check, in the order of the onboarding sequence (the runner still orders by `requires`). */
export const clientCatalogue: readonly ClientCheck[] = [
  ...tlsChecks,
  ...onboardingChecks,
  ...payloadSecurityChecks,
  ...capabilitiesChecks,
  ...desiredStateChecks,
  ...deploymentStatusChecks,
  ...retryChecks,
];

/**
 * The scenarios of `profile` that the given checks judge or read (`scenario`, `uses`), in run order (a scenario no
 * check needs is not run).
 * @see suites/client/scenarios.ts
 */
export function scenariosFor(profile: Profile, checks: readonly ClientCheck[]): ClientScenario[] {
  const wanted = new Set(checks.flatMap((c) => [c.scenario, ...(c.uses ?? [])]));
  return clientScenarios(profile).filter((s) => wanted.has(s.id));
}

/**
 * The checks a run with `--only` / `--skip` patterns executes: the matched ones (all when `only` is empty) minus
 * the skipped ones, plus their prerequisites (`requires`, transitively) unless skipped. Mirrors the runner's
 * selection so that only the scenarios these checks judge are run.
 */
export function checksToRun(catalogue: readonly ClientCheck[], only: readonly string[], skip: readonly string[]): ClientCheck[] {
  const byId = new Map(catalogue.map((c) => [c.id, c] as const));
  const skipped = (id: string): boolean => skip.some((p) => matchesGlob(id, p));
  const chosen = new Set<string>();
  const visit = (check: ClientCheck): void => {
    if (chosen.has(check.id) || skipped(check.id)) return;
    chosen.add(check.id);
    for (const r of check.requires ?? []) {
      const prerequisite = byId.get(r);
      if (prerequisite !== undefined) visit(prerequisite);
    }
  };
  for (const c of catalogue) if (only.length === 0 || only.some((p) => matchesGlob(c.id, p))) visit(c);
  return catalogue.filter((c) => chosen.has(c.id));
}
