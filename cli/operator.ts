/**
 * @module Operator actions for the `wfm` suite: what the WFM user does in the WFM's own UI or API (reject a device's
 * onboarding, revoke a client, change a client's desired state), carried out by a shell command, an HTTP hook or a
 * person at a terminal prompt.
 *
 * Contract (documented in the README):
 * - command: run with `sh -c`, env `MARGO_OPERATOR_ACTION`, `MARGO_CERT_FINGERPRINT` (SHA-256 of the DER, hex),
 *   `MARGO_CERT_PEM_PATH` (a temporary file holding the certificate PEM), `MARGO_CLIENT_ID` (when known);
 *   exit status 0 = done.
 * - hook: `POST <url>` with JSON `{action, fingerprint, certificatePem, clientId?}`; any 2xx = done. Credentials in
 *   the URL (`http://op:TOKEN@…`) are sent as `Authorization: Basic`. The mock WFM's `/admin/api/operator-hook`
 *   implements this contract (mock-server/operator-hook.ts).
 * - prompt: the instruction is printed, the operator presses Enter when done (terminal only).
 *
 * @see seed "Opportunity for user to approve or reject client onboarding"
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { request } from 'undici';
import type { MargoConfig } from '../core/config.js';
import { ConformanceError } from '../core/errors.js';
import type { OperatorHookRequest } from '../mock-server/operator-hook.js';
import type { MockAdmin } from '../mock-server/types.js';
import type { Operator, OperatorRequest } from '../suites/wfm/index.js';
import type { CliIo } from './io.js';

/** Longest stderr excerpt kept in an OPERATOR_ACTION_FAILED message, characters. */
const STDERR_TAIL_CHARS = 400;

/** What each action asks of the operator, for prompts and logs. */
export function describeOperatorRequest(req: OperatorRequest): string {
  switch (req.action) {
    case 'reject-onboarding':
      return `reject the onboarding of the device certificate with SHA-256 fingerprint ${req.fingerprint}`;
    case 'revoke-client':
      return `revoke client ${req.clientId ?? '(unknown)'} (certificate fingerprint ${req.fingerprint})`;
    case 'change-desired-state':
      return `change the desired state of client ${req.clientId ?? '(unknown)'} (for example assign or remove a deployment)`;
  }
}

function failed(message: string, cause?: unknown): ConformanceError {
  return new ConformanceError('OPERATOR_ACTION_FAILED', message, cause === undefined ? {} : { cause });
}

/** Operator backed by a shell command. */
export function commandOperator(command: string, io: CliIo): Operator {
  return {
    description: `shell command "${command}"`,
    async perform(req, signal) {
      const dir = await mkdtemp(join(tmpdir(), 'margo-operator-'));
      const pemPath = join(dir, 'certificate.pem');
      try {
        await writeFile(pemPath, req.certificatePem, { mode: 0o600 });
        await runShell(command, {
          ...io.env,
          MARGO_OPERATOR_ACTION: req.action,
          MARGO_CERT_FINGERPRINT: req.fingerprint,
          MARGO_CERT_PEM_PATH: pemPath,
          ...(req.clientId === undefined ? {} : { MARGO_CLIENT_ID: req.clientId }),
        }, io.cwd, signal);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}

/** Time a stopped operator command gets between SIGTERM and SIGKILL, ms. */
const KILL_GRACE_MS = 2_000;

/**
 * Signals every process of a detached child's group (`sh -c` and whatever it started). ESRCH means the group has
 * already gone, which is the outcome wanted; any other refusal falls back to signalling the shell alone.
 */
function signalGroup(child: ChildProcess, sig: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, sig);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') child.kill(sig);
  }
}

/**
 * Runs `command` with `sh -c` in its own process group, so that a stop (the check's timeout or the user's Ctrl-C)
 * ends the shell and every process it started: SIGTERM to the group, SIGKILL after {@link KILL_GRACE_MS}, and
 * SIGKILL when the CLI itself exits first. Resolves on exit status 0.
 * @throws ConformanceError OPERATOR_ACTION_FAILED (could not start; non-zero exit or signal, with a stderr excerpt)
 */
function runShell(command: string, env: Record<string, string | undefined>, cwd: string, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', command], { cwd, env, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-STDERR_TAIL_CHARS);
    });
    const killNow = (): void => signalGroup(child, 'SIGKILL');
    const onAbort = (): void => {
      signalGroup(child, 'SIGTERM');
      // Kept after `close`: a process of the group that ignores SIGTERM may have closed its stderr already.
      setTimeout(killNow, KILL_GRACE_MS).unref();
    };
    // A detached group does not get the terminal's Ctrl-C; if the CLI exits first, the group goes with it.
    process.once('exit', killNow);
    const cleanUp = (): void => {
      signal.removeEventListener('abort', onAbort);
      process.off('exit', killNow);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) onAbort();
    child.once('error', (err) => {
      cleanUp();
      reject(failed(`operator command could not start: ${err.message}`, err));
    });
    child.once('close', (code, sig) => {
      cleanUp();
      if (code === 0) resolve();
      else reject(failed(`operator command exited with ${code ?? sig ?? 'unknown'}${stderr === '' ? '' : `: ${stderr.trim()}`}`));
    });
  });
}

/** The hook body of the contract: `{action, fingerprint, certificatePem, clientId?}` (also what the embedded mock gets). */
function hookBodyOf(req: OperatorRequest): OperatorHookRequest {
  return {
    action: req.action,
    fingerprint: req.fingerprint,
    certificatePem: req.certificatePem,
    ...(req.clientId === undefined ? {} : { clientId: req.clientId }),
  };
}

/** Longest excerpt of a refusing hook's answer kept in the error message, characters. */
const HOOK_ANSWER_CHARS = 300;

/**
 * Where a hook URL points and how to authenticate: credentials in the URL (`http://op:TOKEN@host/…`) become an
 * `Authorization: Basic` header (RFC 7617) and leave the URL, because undici never sends userinfo itself.
 * @see RFC 3986 §3.2.1
 */
export function hookEndpoint(url: string): { readonly url: string; readonly headers: Readonly<Record<string, string>> } {
  const parsed = new URL(url);
  if (parsed.username === '' && parsed.password === '') return { url: parsed.href, headers: {} };
  const credentials = `${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`;
  parsed.username = '';
  parsed.password = '';
  return { url: parsed.href, headers: { authorization: `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}` } };
}

/**
 * The secret parts of a hook URL, to scrub from the console and the reports: the userinfo password, the Basic
 * credential built from it, and every query value (`?token=`). Values shorter than 4 characters are left to the
 * redactor's own floor.
 */
export function hookSecretValues(url: string | undefined): string[] {
  if (url === undefined || !URL.canParse(url)) return [];
  const parsed = new URL(url);
  const values = [...parsed.searchParams.values()];
  if (parsed.password !== '') values.push(decodeURIComponent(parsed.password));
  const authorization = hookEndpoint(url).headers['authorization'];
  if (authorization !== undefined) values.push(authorization.slice('Basic '.length));
  return values.filter((v) => v !== '');
}

/** Operator backed by an HTTP hook (system trust store; plain http allowed for local hooks). */
export function hookOperator(url: string): Operator {
  const shown = new URL(url);
  const endpoint = hookEndpoint(url);
  const where = `${shown.origin}${shown.pathname}`;
  return {
    description: `HTTP hook ${where}`,
    async perform(req, signal) {
      const body = JSON.stringify(hookBodyOf(req));
      let status: number;
      let answer: string;
      try {
        const res = await request(endpoint.url, { method: 'POST', headers: { 'content-type': 'application/json', ...endpoint.headers }, body, signal });
        status = res.statusCode;
        answer = await res.body.text();
      } catch (err) {
        throw failed(`operator hook ${where} failed: ${err instanceof Error ? err.message : String(err)}`, err);
      }
      if (status < 200 || status > 299) {
        const excerpt = answer.replace(/\s+/g, ' ').trim().slice(0, HOOK_ANSWER_CHARS);
        throw failed(`operator hook answered ${status}${excerpt === '' ? '' : `: ${excerpt}`}`);
      }
    },
  };
}

/** Reads one line from the terminal; resolves when the operator presses Enter. */
export type LineReader = (prompt: string, signal: AbortSignal) => Promise<string>;

/** The default {@link LineReader}: node:readline on the process's stdin and stdout. */
export const terminalLineReader: LineReader = async (prompt, signal) => {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return await rl.question(prompt, { signal });
  } finally {
    rl.close();
  }
};

/** Operator backed by a person at the terminal. */
export function promptOperator(io: CliIo, readLine: LineReader): Operator {
  return {
    description: 'interactive prompt',
    async perform(req, signal) {
      io.stdout('');
      io.stdout(`operator action needed: ${describeOperatorRequest(req)}`);
      io.stdout(`certificate:\n${req.certificatePem.trim()}`);
      const answer = await readLine('press Enter when done (type "fail" if it cannot be done): ', signal);
      if (answer.trim().toLowerCase() === 'fail') throw failed(`operator could not ${describeOperatorRequest(req)}`);
    },
  };
}

/**
 * The operator configured by `operator.command`, `operator.hook` or `operator.interactive` (first one set wins, in
 * that order), or undefined when none is configured (operator checks then `skip`).
 * @throws ConformanceError `USAGE` for an interactive operator without a terminal, `CONFIG_INVALID` for a hook that is not an http(s) URL
 */
export function createOperator(config: MargoConfig, io: CliIo, readLine: LineReader = terminalLineReader): Operator | undefined {
  const { command, hook, interactive } = config.operator;
  if (command !== undefined && command !== '') return commandOperator(command, io);
  if (hook !== undefined && hook !== '') {
    if (!URL.canParse(hook) || !['http:', 'https:'].includes(new URL(hook).protocol)) {
      throw new ConformanceError('CONFIG_INVALID', `operator.hook must be an http(s) URL (found '${hook}')`);
    }
    return hookOperator(hook);
  }
  if (interactive) {
    if (!io.isTty) throw new ConformanceError('USAGE', '--operator-prompt needs a terminal; use --operator-command or --operator-hook in CI');
    return promptOperator(io, readLine);
  }
  return undefined;
}

/**
 * Operator of the embedded mock WFM: hands each request to the mock's operator hook in-process, the same code
 * that answers `POST /admin/api/operator-hook` (mock-server/admin-ops.ts), so both paths behave alike.
 * @throws ConformanceError `OPERATOR_ACTION_FAILED` (with the mock's error as `cause`) when the mock refuses the
 *   action, e.g. a client action without a clientId
 */
export function mockAdminOperator(admin: Pick<MockAdmin, 'operatorHook'>): Operator {
  return {
    description: 'mock WFM admin API (embedded)',
    async perform(req) {
      try {
        await admin.operatorHook(hookBodyOf(req));
      } catch (err) {
        throw failed(`the mock WFM refused operator action ${req.action}: ${err instanceof Error ? err.message : String(err)}`, err);
      }
    },
  };
}
