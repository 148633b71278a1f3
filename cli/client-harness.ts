/**
 * @module The `client` suite's harness: for one scenario, start a fresh mock WFM (fresh PKI, ephemeral loopback
 * port), hand the client under test its environment, run it until it exits or the scenario timeout, and collect
 * what the mock recorded. The client is a shell command (its process group is killed at the timeout), a person
 * (`--manual`: the harness prints the URL and CA and waits for a keypress), or an in-process function (self-test).
 *
 * Client contract (README "Test a device client"): the command gets MARGO_WFM_URL, MARGO_CA_FILE (root CA PEM for
 * clients that take it out of band), MARGO_SCENARIO (scenario id), MARGO_CONTEXT (JSON, {@link ScenarioContextData})
 * and MARGO_RUN_ID (unique per scenario run), and inherits the rest of the environment. MARGO_WFM_URL points at a
 * loopback relay in front of the mock (cli/client-relay.ts), which notes what the pinning checks need.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { Clock } from '../core/clock.js';
import type { MargoConfig } from '../core/config.js';
import { ConformanceError } from '../core/errors.js';
import { createRootCa } from '../core/pki/index.js';
import type { Profile } from '../core/profiles/index.js';
import { startMockWfm } from '../mock-server/index.js';
import type { MockWfm } from '../mock-server/index.js';
import type { ClientProcessOutcome, ScenarioRecording } from '../suites/client/context.js';
import type { ClientScenario } from '../suites/client/scenarios.js';
import { startClientRelay } from './client-relay.js';
import type { ClientRelay } from './client-relay.js';

/** Bytes of stdout / stderr kept per scenario (the tail). */
export const OUTPUT_LIMIT_BYTES = 64 * 1024;
/** After SIGTERM to the process group, how long the client gets before SIGKILL, in ms. */
const KILL_GRACE_MS = 1_000;
/** After the client ends, how long in-flight handshakes and requests get to be recorded, in ms. */
const SETTLE_MS = 150;
/** Longest delay `setTimeout` honours, ms (2^31 − 1); a longer one fires at once, with a TimeoutOverflowWarning. */
export const MAX_TIMER_MS = 2_147_483_647;

/** What the in-process launcher returns (the self-test's simulator run without a child process). */
export interface InProcessResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** How the client under test is started. */
export type ClientLauncher =
  | { readonly kind: 'command'; readonly command: string }
  | {
      readonly kind: 'manual';
      /** Resolves when the operator presses a key; rejects or never resolves otherwise (the timeout ends it). */
      waitForOperator(signal: AbortSignal): Promise<void>;
      /** Where the banner (URL, CA, scenario) is printed. */
      print(line: string): void;
    }
  | {
      readonly kind: 'in-process';
      /**
       * Runs the client with `env` (the MARGO_* variables over the inherited environment). Must stop soon after
       * `signal` aborts (the scenario timeout) and resolve with its exit code and output.
       */
      run(env: Readonly<Record<string, string>>, signal: AbortSignal): Promise<InProcessResult>;
    };

/** Everything one scenario run needs; nothing is read from globals. */
export interface ScenarioRunOptions {
  readonly scenario: ClientScenario;
  readonly profile: Profile;
  readonly config: MargoConfig;
  readonly clock: Clock;
  readonly launcher: ClientLauncher;
  /** Upper bound of the scenario, ms (the scenario's own `maxTimeoutMs` may shorten it). */
  readonly timeoutMs: number;
  /** Environment the client inherits (the MARGO_* scenario variables are set over it). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Aborts the scenario (Ctrl-C): the client is stopped and the mock closed. */
  readonly signal?: AbortSignal;
}

/** The MARGO_* variables a client receives for one scenario; `runId` (MARGO_RUN_ID) when given. */
export function scenarioEnv(scenario: ClientScenario, wfmUrl: string, caFile: string, runId?: string): Record<string, string> {
  return {
    MARGO_WFM_URL: wfmUrl,
    MARGO_CA_FILE: caFile,
    MARGO_SCENARIO: scenario.id,
    MARGO_CONTEXT: JSON.stringify(scenario.context),
    ...(runId === undefined ? {} : { MARGO_RUN_ID: runId }),
  };
}

/**
 * Throws ConformanceError CONFIG_INVALID unless `ms` is a whole number of milliseconds `setTimeout` can wait
 * (1..{@link MAX_TIMER_MS}); a larger value would silently become 1 ms.
 */
export function assertTimerMs(ms: number, what: string): void {
  if (!Number.isInteger(ms) || ms < 1 || ms > MAX_TIMER_MS) {
    throw new ConformanceError('CONFIG_INVALID', `${what} must be a whole number of milliseconds from 1 to ${MAX_TIMER_MS} (found ${ms})`);
  }
}

/**
 * Runs one scenario: temp folder → fresh mock WFM → relay → CA PEM in the temp folder → client → recording; then
 * relay and mock closed and the temp folder removed, whatever failed on the way.
 * Returns the recording; the client's failures (crash, timeout, bad exit) are data in it, not errors.
 * Throws ConformanceError INTERNAL (no temp folder, relay cannot listen), TLS_SETUP_FAILED from the mock, or
 * CONFIG_INVALID for a timeout `setTimeout` cannot honour.
 */
export async function runScenario(opts: ScenarioRunOptions): Promise<ScenarioRecording> {
  const timeoutMs = Math.min(opts.timeoutMs, opts.scenario.maxTimeoutMs ?? opts.timeoutMs);
  assertTimerMs(timeoutMs, 'the scenario timeout (client.scenarioTimeoutMs)');
  // The temp folder comes first: when it cannot be made (TMPDIR missing) nothing has been started yet.
  const dir = await mkdtemp(join(tmpdir(), 'margo-client-')).catch((err: unknown) => {
    throw new ConformanceError('INTERNAL', `cannot create a temporary folder in ${tmpdir()} (TMPDIR) for the root CA file`, { cause: err });
  });
  let mock: MockWfm | undefined;
  let relay: ClientRelay | undefined;
  try {
    mock = await startMockWfm({
      profileId: opts.profile.id,
      config: opts.config,
      clock: opts.clock,
      host: '127.0.0.1',
      port: 0,
      onboarding: opts.scenario.mock.onboarding,
      trustAnyCertificate: true,
      clientFaults: opts.scenario.mock.clientFaults,
      ...(opts.scenario.mock.tlsMinVersion === undefined ? {} : { tlsMinVersion: opts.scenario.mock.tlsMinVersion }),
    });
    relay = await startClientRelay({ host: '127.0.0.1', port: mock.port }, opts.clock);
    const url = relayedUrl(mock.url, relay.port);
    const caFile = join(dir, 'wfm-root-ca.pem');
    await writeFile(caFile, await caFilePem(opts.scenario, mock.caPem), 'utf8');
    const env = scenarioEnv(opts.scenario, url, caFile, randomUUID());
    const client = await runClient(opts, env, { url, caPem: mock.caPem, caFile }, timeoutMs);
    await delay(SETTLE_MS);
    return { scenario: opts.scenario, wfmUrl: url, entries: [...mock.traffic()], client, connections: relay.connections() };
  } finally {
    await relay?.close();
    await mock?.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** `mockUrl` (`https://127.0.0.1:PORT` plus a base path) with the relay's port instead of the mock's. */
export function relayedUrl(mockUrl: string, relayPort: number): string {
  const u = new URL(mockUrl);
  return `${u.protocol}//${u.hostname}:${relayPort}${mockUrl.slice(u.origin.length)}`;
}

/**
 * The PEM for MARGO_CA_FILE: the mock's root CA, or for `caFile: 'unrelated'` a fresh root CA that did not issue
 * the mock's chain (what an out-of-band client must refuse in the pinning scenario).
 */
async function caFilePem(scenario: ClientScenario, genuinePem: string): Promise<string> {
  if (scenario.context.caFile === 'genuine') return genuinePem;
  const unrelated = await createRootCa({ commonName: `margo-conformance unrelated root CA (${scenario.id})` });
  return unrelated.certPem;
}

/**
 * Runs scenarios with at most `concurrency` at a time (each on its own mock), keeping the input order in the result.
 * When `signal` aborts (Ctrl-C), no further scenario starts and the running clients are stopped; the result then
 * holds only the scenarios that ran (the interrupted ones marked `client.interrupted`).
 * Throws the first harness error after every started scenario has finished.
 */
export async function runScenarios(
  scenarios: readonly ClientScenario[],
  base: Omit<ScenarioRunOptions, 'scenario'>,
  concurrency: number,
  onDone?: (recording: ScenarioRecording) => void,
): Promise<ScenarioRecording[]> {
  assertTimerMs(base.timeoutMs, 'the scenario timeout (client.scenarioTimeoutMs)');
  const results: (ScenarioRecording | undefined)[] = new Array(scenarios.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < scenarios.length && base.signal?.aborted !== true) {
      const index = next++;
      const recording = await runScenario({ ...base, scenario: scenarios[index] as ClientScenario });
      results[index] = recording;
      onDone?.(recording);
    }
  };
  const workers = Array.from({ length: Math.max(1, Math.min(concurrency, scenarios.length)) }, worker);
  const settled = await Promise.allSettled(workers);
  const failure = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failure !== undefined) throw failure.reason;
  return results.filter((r): r is ScenarioRecording => r !== undefined);
}

async function runClient(
  opts: ScenarioRunOptions,
  scenarioVars: Record<string, string>,
  wfm: { url: string; caPem: string; caFile: string },
  timeoutMs: number,
): Promise<ClientProcessOutcome> {
  const launcher = opts.launcher;
  if (launcher.kind === 'command') return runCommand(launcher.command, { ...opts.env, ...scenarioVars }, timeoutMs, opts.clock, opts.signal);
  if (launcher.kind === 'manual') return runManual(launcher, opts.scenario, wfm, scenarioVars, timeoutMs, opts.clock, opts.signal);
  return runInProcess(launcher, { ...definedOnly(opts.env), ...scenarioVars }, timeoutMs, opts.clock, opts.signal);
}

/** A bounded tail buffer for a child's output stream. */
function tailCollector(limit: number): { push(chunk: Buffer): void; text(): string } {
  const chunks: Buffer[] = [];
  let size = 0;
  return {
    push(chunk) {
      chunks.push(chunk);
      size += chunk.length;
      while (size > limit && chunks.length > 1) size -= (chunks.shift() as Buffer).length;
    },
    text() {
      const all = Buffer.concat(chunks);
      return all.subarray(Math.max(0, all.length - limit)).toString('utf8');
    },
  };
}

/** How the harness stopped a client: at the scenario timeout or because the run was interrupted. */
interface StopState {
  timedOut: boolean;
  interrupted: boolean;
  stopRequestedAtMs?: number;
}

function stopFields(stop: StopState): Pick<ClientProcessOutcome, 'timedOut' | 'interrupted' | 'stopRequestedAtMs'> {
  return {
    timedOut: stop.timedOut,
    ...(stop.interrupted ? { interrupted: true } : {}),
    ...(stop.stopRequestedAtMs === undefined ? {} : { stopRequestedAtMs: stop.stopRequestedAtMs }),
  };
}

/**
 * Spawns `command` through the shell in its own process group, with `env` plus a MARGO_RUN_ID (the one in `env`, or
 * a fresh one); resolves when it exits, or kills the group at `timeoutMs` or when `signal` aborts (SIGTERM, then
 * SIGKILL after a grace period). Remaining group members are killed at exit too, so a client's helpers never outlive
 * the scenario; processes that left the group (`setsid`) are found on Linux by the MARGO_RUN_ID in their environment,
 * killed, and listed in `leftoverPids`.
 * @throws ConformanceError CONFIG_INVALID for a timeout `setTimeout` cannot honour
 */
export async function runCommand(
  command: string,
  env: Readonly<Record<string, string | undefined>>,
  timeoutMs: number,
  clock: Clock,
  signal?: AbortSignal,
): Promise<ClientProcessOutcome> {
  assertTimerMs(timeoutMs, 'the scenario timeout');
  const runId = env['MARGO_RUN_ID'] ?? randomUUID();
  const outcome = await spawnClient(command, { ...env, MARGO_RUN_ID: runId }, timeoutMs, clock, signal);
  const leftoverPids = await killLeftovers(runId);
  return leftoverPids.length === 0 ? outcome : { ...outcome, leftoverPids };
}

function spawnClient(
  command: string,
  env: Readonly<Record<string, string | undefined>>,
  timeoutMs: number,
  clock: Clock,
  signal?: AbortSignal,
): Promise<ClientProcessOutcome> {
  const started = clock.nowMs();
  const stdout = tailCollector(OUTPUT_LIMIT_BYTES);
  const stderr = tailCollector(OUTPUT_LIMIT_BYTES);
  return new Promise((resolve) => {
    const child = spawn(command, { shell: true, detached: true, env: definedOnly(env), stdio: ['ignore', 'pipe', 'pipe'] });
    const state: StopState = { timedOut: false, interrupted: false };
    let finished = false;
    const killGroup = (sig: NodeJS.Signals): void => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, sig);
      } catch (err) {
        // ESRCH: the group is already gone, which is what we wanted.
        if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
      }
    };
    const stop = (why: 'timeout' | 'interrupt'): void => {
      if (why === 'timeout') state.timedOut = true;
      else state.interrupted = true;
      state.stopRequestedAtMs ??= clock.nowMs();
      killGroup('SIGTERM');
      setTimeout(() => killGroup('SIGKILL'), KILL_GRACE_MS).unref();
    };
    const timer = setTimeout(() => stop('timeout'), timeoutMs);
    const onAbort = (): void => stop('interrupt');
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted === true) stop('interrupt');
    type Ending = Pick<ClientProcessOutcome, 'exitCode' | 'signal' | 'spawnError'>;
    const finish = (ending: Ending): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve({
        mode: 'command',
        ...ending,
        ...stopFields(state),
        stdout: stdout.text(),
        stderr: stderr.text(),
        durationMs: clock.nowMs() - started,
        startedAtMs: started,
      });
    };
    child.stdout.on('data', (c: Buffer) => stdout.push(c));
    child.stderr.on('data', (c: Buffer) => stderr.push(c));
    child.on('error', (err) => finish({ exitCode: null, spawnError: err.message }));
    const endingOf = (code: number | null, sig: NodeJS.Signals | null): Ending => ({ exitCode: code, ...(sig === null ? {} : { signal: sig }) });
    // 'close' comes after 'exit' once the pipes are drained: only then is the output complete.
    child.on('close', (code, sig) => finish(endingOf(code, sig)));
    child.on('exit', (code, sig) => {
      // Helpers the client left behind must not outlive the scenario (and would keep the pipes open). A helper that
      // escaped the group (setsid) cannot hold the run up: after the grace period the pipes are abandoned.
      killGroup('SIGKILL');
      setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
        finish(endingOf(code, sig));
      }, KILL_GRACE_MS).unref();
    });
  });
}

/** Errors of /proc reads that mean "gone" or "not ours to read"; such a process is not a leftover of this run. */
const PROC_SKIP = new Set(['ENOENT', 'ESRCH', 'EACCES', 'EPERM', 'EINVAL']);

/**
 * Finds the processes (other than this one) whose environment holds `MARGO_RUN_ID=<runId>` and that are not
 * zombies, kills them with SIGKILL, and returns their pids. Linux only (it reads /proc); elsewhere returns [].
 * Node cannot be a subreaper, so this is how a client that daemonized (setsid, double fork) is cleaned up.
 */
export async function killLeftovers(runId: string): Promise<number[]> {
  if (process.platform !== 'linux') return [];
  const marker = `MARGO_RUN_ID=${runId}`;
  const found: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    const facts = await procFacts(name);
    if (facts === undefined || facts.state === 'Z' || !facts.environ.split('\0').includes(marker)) continue;
    try {
      process.kill(Number(name), 'SIGKILL');
      found.push(Number(name));
    } catch (err) {
      // ESRCH: it ended between the scan and the kill.
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
  }
  return found;
}

/** The environment and run state of /proc/<pid>, or undefined when the process is gone or not readable by us. */
async function procFacts(pid: string): Promise<{ environ: string; state: string } | undefined> {
  try {
    const environ = await readFile(`/proc/${pid}/environ`, 'latin1');
    const stat = await readFile(`/proc/${pid}/stat`, 'latin1');
    // stat: "pid (comm) S …"; comm may hold spaces and parentheses, so the state follows the last ')'.
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return { environ, state };
  } catch (err) {
    if (PROC_SKIP.has((err as NodeJS.ErrnoException).code ?? '')) return undefined;
    throw err;
  }
}

async function runManual(
  launcher: Extract<ClientLauncher, { kind: 'manual' }>,
  scenario: ClientScenario,
  wfm: { url: string; caPem: string; caFile: string },
  vars: Record<string, string>,
  timeoutMs: number,
  clock: Clock,
  signal?: AbortSignal,
): Promise<ClientProcessOutcome> {
  const started = clock.nowMs();
  const print = launcher.print;
  print('');
  print(`── scenario ${scenario.id}: ${scenario.title}`);
  print(scenario.description);
  print(`WFM URL:       ${wfm.url}`);
  print(`root CA file:  ${wfm.caFile}`);
  print(`MARGO_CONTEXT: ${vars['MARGO_CONTEXT'] ?? ''}`);
  print(wfm.caPem.trimEnd());
  print(`Start the device now. Press a key when it is done (timeout ${Math.round(timeoutMs / 1000)} s).`);
  const { controller, state, release } = stopController(timeoutMs, clock, signal, `scenario ${scenario.id} timed out`);
  try {
    await Promise.race([launcher.waitForOperator(controller.signal), aborted(controller.signal)]);
  } finally {
    release();
    controller.abort();
  }
  return { mode: 'manual', exitCode: null, ...stopFields(state), stdout: '', stderr: '', durationMs: clock.nowMs() - started, startedAtMs: started };
}

/**
 * An AbortController that aborts at `timeoutMs` (timedOut) or when `signal` aborts (interrupted), noting when.
 * `release` clears the timer and the listener.
 */
function stopController(
  timeoutMs: number,
  clock: Clock,
  signal: AbortSignal | undefined,
  timeoutMessage: string,
): { controller: AbortController; state: StopState; release(): void } {
  const controller = new AbortController();
  const state: StopState = { timedOut: false, interrupted: false };
  const onAbort = (): void => {
    state.interrupted = true;
    state.stopRequestedAtMs ??= clock.nowMs();
    controller.abort(signal?.reason);
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  if (signal?.aborted === true) onAbort();
  const timer = setTimeout(() => {
    state.timedOut = true;
    state.stopRequestedAtMs ??= clock.nowMs();
    controller.abort(new ConformanceError('TIMEOUT', timeoutMessage));
  }, timeoutMs);
  return {
    controller,
    state,
    release() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    },
  };
}

async function runInProcess(
  launcher: Extract<ClientLauncher, { kind: 'in-process' }>,
  env: Record<string, string>,
  timeoutMs: number,
  clock: Clock,
  signal?: AbortSignal,
): Promise<ClientProcessOutcome> {
  const started = clock.nowMs();
  const { controller, state, release } = stopController(timeoutMs, clock, signal, 'scenario timed out');
  try {
    // The launcher honours its signal: at the timeout it stops and resolves with what it has.
    const result = await launcher.run(env, controller.signal);
    return {
      mode: 'in-process',
      exitCode: result.exitCode,
      ...stopFields(state),
      stdout: result.stdout,
      stderr: result.stderr,
      durationMs: clock.nowMs() - started,
      startedAtMs: started,
    };
  } finally {
    release();
  }
}

/** Resolves when `signal` aborts (never rejects). */
function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

/**
 * Resolves on the first byte from `input` (a keypress when it is a TTY in raw mode); stops listening when `signal`
 * aborts. The stream is paused again afterwards so the process can exit.
 */
export function waitForKeypress(input: Readable & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown }, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const raw = input.isTTY === true && typeof input.setRawMode === 'function';
    const done = (): void => {
      input.off('data', done);
      signal.removeEventListener('abort', done);
      if (raw) input.setRawMode?.(false);
      input.pause();
      resolve();
    };
    if (raw) input.setRawMode?.(true);
    input.on('data', done);
    input.resume();
    signal.addEventListener('abort', done, { once: true });
  });
}

function definedOnly(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
