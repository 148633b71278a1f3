/**
 * @module The context of a `client` check: the profile, the effective config, the schema registry, and
 * `ctx.traffic`, the recordings of the scenarios (what the mock WFM saw, plus how the client process ended).
 * Client checks are pure functions of this context (STYLE.md §3).
 */
import type { BaseCheckContext, Check } from '../../core/check.js';
import type { MargoConfig } from '../../core/config.js';
import type { Profile } from '../../core/profiles/index.js';
import type { SchemaRegistry } from '../../core/schema.js';
import type { TrafficEntry } from '../../core/traffic.js';
import type { ClientScenario, ClientScenarioId } from './scenarios.js';

/** How the client under test ran in one scenario. Output is bounded (the tail is kept). */
export interface ClientProcessOutcome {
  /** `command` (spawned through the shell), `manual` (started by an operator), `in-process` (self-test). */
  readonly mode: 'command' | 'manual' | 'in-process';
  /** Exit code; null when killed by a signal, still running at the timeout, or in manual mode. */
  readonly exitCode: number | null;
  readonly signal?: string;
  /** True when the scenario timeout ended the client (process group killed) or the operator wait. */
  readonly timedOut: boolean;
  /** Set when the command could not be started at all. */
  readonly spawnError?: string;
  readonly stdout: string;
  readonly stderr: string;
  /** Wall time from start to exit or timeout, in ms. */
  readonly durationMs: number;
}

/** One scenario as run: the mock's recording (arrival order) and the client process outcome. */
export interface ScenarioRecording {
  readonly scenario: ClientScenario;
  /** Base URL of the mock WFM the client was given (MARGO_WFM_URL). */
  readonly wfmUrl: string;
  readonly entries: readonly TrafficEntry[];
  readonly client: ClientProcessOutcome;
}

/** The recordings of one run, by scenario. */
export interface ClientTraffic {
  /** The recording of `id`, or undefined when that scenario did not run. */
  recording(id: ClientScenarioId): ScenarioRecording | undefined;
}

/** Builds a {@link ClientTraffic} over a list of recordings. */
export function clientTrafficOf(recordings: readonly ScenarioRecording[]): ClientTraffic {
  const byId = new Map(recordings.map((r) => [r.scenario.id, r] as const));
  return { recording: (id) => byId.get(id) };
}

/** What every client check receives. `now()` is Unix seconds; checks never read the wall clock. */
export interface ClientCheckContext extends BaseCheckContext {
  readonly profile: Profile;
  readonly config: MargoConfig;
  readonly schemas: SchemaRegistry;
  readonly traffic: ClientTraffic;
}

/** A client check: a {@link Check} that also names the scenario whose recording it judges. */
export type ClientCheck = Check<ClientCheckContext> & { readonly scenario: ClientScenarioId };

/** Identity function that keeps a client check's types (STYLE.md §3 `defineCheck`). */
export function defineClientCheck(check: ClientCheck): ClientCheck {
  return check;
}
