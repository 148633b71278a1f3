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
  /** Unix ms at which the client was started (or the operator prompt shown). */
  readonly startedAtMs?: number;
  /**
   * Unix ms at which the harness stopped the client (scenario timeout or interrupt). Connections the client closed
   * after this moment were closed by the stop, not by a decision of the client.
   */
  readonly stopRequestedAtMs?: number;
  /** True when the run was interrupted (Ctrl-C / SIGTERM) during this scenario; its checks are then inconclusive. */
  readonly interrupted?: boolean;
  /**
   * Processes still running after the client and its process group ended (they escaped the group, e.g. with
   * `setsid`), found through the MARGO_RUN_ID in their environment and killed. Linux only; empty elsewhere.
   */
  readonly leftoverPids?: readonly number[];
}

/**
 * What the harness's loopback relay in front of the mock WFM saw on one TCP connection of the client. The mock
 * records a refused handshake the same way whether the client closed before or after it received the server
 * certificate (a Node client sends no TLS alert); these byte-level facts tell the two apart.
 */
export interface ObservedConnection {
  /** `ip:port` of the relay's socket towards the mock: equals the `remote` of the mock's TLS event. */
  readonly upstream: string;
  /** Unix ms the client connected. */
  readonly openedAtMs: number;
  /** Unix ms the connection ended (first side to close); absent while open at the end of the scenario. */
  readonly closedAtMs?: number;
  /** Which side ended the connection first. */
  readonly closedBy?: 'client' | 'server';
  /** What the client's first bytes were: a TLS handshake record, a plain HTTP request line, other bytes, nothing. */
  readonly clientStart: 'tls-handshake' | 'http' | 'other' | 'none';
  /**
   * Unix ms at which the server's handshake flight carrying its certificate had been passed to the client
   * (TLS 1.2: a Certificate message; TLS 1.3: a full-handshake ServerHello followed by the encrypted flight).
   * Absent when the server never sent its certificate on this connection (e.g. a version failure, or session
   * resumption).
   */
  readonly certificateSentAtMs?: number;
  readonly clientBytes: number;
  readonly serverBytes: number;
}

/** One scenario as run: the mock's recording (arrival order) and the client process outcome. */
export interface ScenarioRecording {
  readonly scenario: ClientScenario;
  /** Base URL of the mock WFM the client was given (MARGO_WFM_URL). */
  readonly wfmUrl: string;
  readonly entries: readonly TrafficEntry[];
  readonly client: ClientProcessOutcome;
  /** The client's TCP connections as the harness relay saw them (absent in recordings made without the relay). */
  readonly connections?: readonly ObservedConnection[];
}

/** The recordings of one run, by scenario. */
export interface ClientTraffic {
  /** The recording of `id`, or undefined when that scenario did not run. */
  recording(id: ClientScenarioId): ScenarioRecording | undefined;
  /** Every recording of the run, in run order (checks that judge every request of every scenario use this). */
  all(): readonly ScenarioRecording[];
}

/** Builds a {@link ClientTraffic} over a list of recordings. */
export function clientTrafficOf(recordings: readonly ScenarioRecording[]): ClientTraffic {
  const byId = new Map(recordings.map((r) => [r.scenario.id, r] as const));
  return { recording: (id) => byId.get(id), all: () => recordings };
}

/** What every client check receives. `now()` is Unix seconds; checks never read the wall clock. */
export interface ClientCheckContext extends BaseCheckContext {
  readonly profile: Profile;
  readonly config: MargoConfig;
  readonly schemas: SchemaRegistry;
  readonly traffic: ClientTraffic;
}

/**
 * A client check: a {@link Check} that also names the scenario whose recording it judges, and the other scenarios
 * whose recordings it reads as well (`uses`; e.g. the pinning check looks for a completed handshake in the happy
 * path). Checks that judge every request of every scenario that ran keep `scenario` as their anchor.
 */
export type ClientCheck = Check<ClientCheckContext> & { readonly scenario: ClientScenarioId; readonly uses?: readonly ClientScenarioId[] };

/** Identity function that keeps a client check's types (STYLE.md §3 `defineCheck`). */
export function defineClientCheck(check: ClientCheck): ClientCheck {
  return check;
}
