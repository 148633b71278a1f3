/**
 * Operator actions for the `wfm` suite: shell command (env contract), HTTP hook (JSON contract), prompt, the
 * embedded mock's admin operator, and which one `createOperator` picks.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  commandOperator,
  createOperator,
  hookEndpoint,
  hookOperator,
  hookSecretValues,
  mockAdminOperator,
  promptOperator,
} from '../cli/operator.js';
import { DEFAULT_CONFIG, mergeConfig } from '../core/config.js';
import { ConformanceError, isConformanceError } from '../core/errors.js';
import type { OperatorHookRequest } from '../mock-server/index.js';
import type { OperatorRequest } from '../suites/wfm/index.js';
import { fakeIo, removeFakeIoDirs } from './wfm-helpers.js';

afterAll(removeFakeIoDirs);

const PEM = '-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n';
const REQUEST: OperatorRequest = { action: 'revoke-client', fingerprint: 'ab'.repeat(32), certificatePem: PEM, clientId: 'client-7' };
const signal = new AbortController().signal;

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise<void>((resolve) => s.close(() => resolve()));
});

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  const err: unknown = await promise.then(() => undefined, (e: unknown) => e);
  return isConformanceError(err) ? err.code : undefined;
}

async function hookServer(status: number, answer = ''): Promise<{ url: string; port: number; bodies: unknown[]; authorizations: (string | undefined)[] }> {
  const bodies: unknown[] = [];
  const authorizations: (string | undefined)[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      authorizations.push(req.headers.authorization);
      res.statusCode = status;
      res.end(answer);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}/hook?token=x`, port, bodies, authorizations };
}

describe('operator actions', () => {
  it('runs a shell command with MARGO_OPERATOR_ACTION, MARGO_CERT_FINGERPRINT, MARGO_CERT_PEM_PATH and MARGO_CLIENT_ID', async () => {
    const io = await fakeIo();
    const out = join(io.cwd, 'seen.txt');
    const op = commandOperator(`printf '%s %s %s\\n' "$MARGO_OPERATOR_ACTION" "$MARGO_CERT_FINGERPRINT" "$MARGO_CLIENT_ID" > ${out}; cat "$MARGO_CERT_PEM_PATH" >> ${out}`, io);
    await op.perform(REQUEST, signal);
    expect(await readFile(out, 'utf8')).toBe(`revoke-client ${'ab'.repeat(32)} client-7\n${PEM}`);
  });

  it('reports a failing command as OPERATOR_ACTION_FAILED with its stderr', async () => {
    const io = await fakeIo();
    const err: unknown = await commandOperator('echo nope >&2; exit 3', io).perform(REQUEST, signal).then(() => undefined, (e: unknown) => e);
    expect(isConformanceError(err, 'OPERATOR_ACTION_FAILED')).toBe(true);
    expect((err as Error).message).toContain('exited with 3: nope');
  });

  it('POSTs {action, fingerprint, certificatePem, clientId} to the hook and accepts 2xx', async () => {
    const hook = await hookServer(204);
    const op = hookOperator(hook.url);
    expect(op.description).not.toContain('token');
    await op.perform(REQUEST, signal);
    expect(hook.bodies).toEqual([{ action: 'revoke-client', fingerprint: 'ab'.repeat(32), certificatePem: PEM, clientId: 'client-7' }]);
  });

  it('reports a hook answering 500 as OPERATOR_ACTION_FAILED, quoting its answer', async () => {
    const hook = await hookServer(500, '{"error":"no such client"}');
    const err: unknown = await hookOperator(hook.url).perform(REQUEST, signal).then(() => undefined, (e: unknown) => e);
    expect(isConformanceError(err, 'OPERATOR_ACTION_FAILED')).toBe(true);
    expect((err as Error).message).toBe('operator hook answered 500: {"error":"no such client"}');
  });

  it('sends URL credentials (http://op:TOKEN@host/...) as Basic authorization, not in the URL', async () => {
    const hook = await hookServer(200);
    const url = `http://op:t%3Ak-123@127.0.0.1:${hook.port}/hook`;
    expect(hookEndpoint(url)).toEqual({ url: `http://127.0.0.1:${hook.port}/hook`, headers: { authorization: `Basic ${Buffer.from('op:t:k-123').toString('base64')}` } });
    const op = hookOperator(url);
    expect(op.description).toBe(`HTTP hook http://127.0.0.1:${hook.port}/hook`);
    await op.perform(REQUEST, signal);
    expect(hook.authorizations).toEqual([`Basic ${Buffer.from('op:t:k-123').toString('base64')}`]);
    expect(hookSecretValues(url)).toEqual(['t:k-123', Buffer.from('op:t:k-123').toString('base64')]);
    expect(hookSecretValues('http://127.0.0.1/hook?token=abcd')).toEqual(['abcd']);
    expect(hookSecretValues(undefined)).toEqual([]);
  });

  it('prompts on the terminal and fails when the operator types "fail"', async () => {
    const io = await fakeIo({ isTty: true });
    await promptOperator(io, async () => '').perform(REQUEST, signal);
    expect(io.out.join('\n')).toContain('revoke client client-7');
    expect(await codeOf(promptOperator(io, async () => 'fail').perform(REQUEST, signal))).toBe('OPERATOR_ACTION_FAILED');
  });

  it('hands every action to the embedded mock\'s operator hook and reports a refusal as OPERATOR_ACTION_FAILED', async () => {
    const seen: OperatorHookRequest[] = [];
    const op = mockAdminOperator({
      operatorHook: async (req) => {
        seen.push(req);
        if (req.action !== 'reject-onboarding' && req.clientId === undefined) throw new ConformanceError('USAGE', `${req.action} needs a clientId`);
        return { outcome: 'revoked' };
      },
    });
    await op.perform({ action: 'reject-onboarding', fingerprint: REQUEST.fingerprint, certificatePem: PEM }, signal);
    await op.perform(REQUEST, signal);
    await op.perform({ ...REQUEST, action: 'change-desired-state' }, signal);
    expect(seen).toEqual([
      { action: 'reject-onboarding', fingerprint: REQUEST.fingerprint, certificatePem: PEM },
      REQUEST,
      { ...REQUEST, action: 'change-desired-state' },
    ]);
    const err: unknown = await op.perform({ action: 'revoke-client', fingerprint: 'x', certificatePem: PEM }, signal).then(() => undefined, (e: unknown) => e);
    expect(isConformanceError(err, 'OPERATOR_ACTION_FAILED')).toBe(true);
    expect((err as Error).message).toContain('revoke-client needs a clientId');
    expect(isConformanceError((err as Error).cause, 'USAGE')).toBe(true);
  });

  it('picks command over hook over prompt, and none when nothing is configured', async () => {
    const io = await fakeIo();
    const tty = await fakeIo({ isTty: true });
    const cfg = (operator: object) => mergeConfig({ operator } as never);
    expect(createOperator(DEFAULT_CONFIG, io)).toBeUndefined();
    expect(createOperator(cfg({ command: 'true', hook: 'http://127.0.0.1:1/' }), io)?.description).toContain('shell command');
    expect(createOperator(cfg({ hook: 'http://127.0.0.1:1/' }), io)?.description).toContain('HTTP hook');
    expect(createOperator(cfg({ interactive: true }), tty)?.description).toBe('interactive prompt');
    expect(() => createOperator(cfg({ interactive: true }), io)).toThrow(/needs a terminal/);
    expect(() => createOperator(cfg({ hook: 'ftp://x' }), io)).toThrow(/http\(s\) URL/);
  });
});
