/**
 * @module Input checks of `margo-conformance mock-server` flags, so that every bad value is a usage error (exit 2)
 * with one line naming the flag, found before anything is written or bound.
 */
import { stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ConformanceError, isConformanceError } from '../../core/errors.js';
import { isFingerprint, MIN_ADMIN_TOKEN_LENGTH, type ListenerOption } from '../../mock-server/index.js';
import { parseIntegerFlag } from '../config-loader.js';

/**
 * Parses a port flag: a whole number from 0 (any free port) to 65535.
 * @returns the port, or undefined when the flag is absent
 * @throws ConformanceError USAGE naming the flag
 */
export function parsePortFlag(value: string | undefined, flag: string): number | undefined {
  const port = parseIntegerFlag(value, flag);
  if (port !== undefined && port > 65_535) throw new ConformanceError('USAGE', `${flag} must be a port from 0 to 65535 (found '${value ?? ''}')`);
  return port;
}

/**
 * Checks `--admin-token`: at least {@link MIN_ADMIN_TOKEN_LENGTH} characters (the token is never echoed).
 * @throws ConformanceError USAGE
 */
export function checkAdminTokenFlag(token: string | undefined): void {
  if (token !== undefined && token.length < MIN_ADMIN_TOKEN_LENGTH) {
    throw new ConformanceError('USAGE', `--admin-token must be at least ${MIN_ADMIN_TOKEN_LENGTH} characters (got ${token.length}); leave it out for a random token`);
  }
}

/** Checks each `--allow` value is a SHA-256 fingerprint, as the admin API does. @throws ConformanceError USAGE */
export function checkAllowFlags(values: readonly string[] | undefined): void {
  const bad = (values ?? []).find((v) => !isFingerprint(v));
  if (bad !== undefined) {
    throw new ConformanceError('USAGE', `--allow ${bad.slice(0, 100)}: expected a SHA-256 fingerprint (64 hex digits, colons allowed)`);
  }
}

async function kindOf(path: string): Promise<'dir' | 'other' | 'missing'> {
  try {
    return (await stat(path)).isDirectory() ? 'dir' : 'other';
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return 'missing';
    if (code === 'ENOTDIR') return 'other';
    throw new ConformanceError('CONFIG_INVALID', `cannot inspect ${path}`, { cause: err });
  }
}

/**
 * Checks `--data-dir` is a folder or does not exist yet (it is created).
 * @throws ConformanceError USAGE when it names a regular file (or lies under one)
 */
export async function checkDataDirFlag(dir: string | undefined, shown: string | undefined): Promise<void> {
  if (dir === undefined) return;
  if ((await kindOf(dir)) === 'other') throw new ConformanceError('USAGE', `--data-dir ${shown ?? dir}: not a folder`);
}

/**
 * Checks that the folder `--export-ca` writes into exists and is a folder, before the mock starts.
 * @throws ConformanceError USAGE naming the flag
 */
export async function checkExportCaFlag(file: string | undefined, shown: string | undefined): Promise<void> {
  if (file === undefined) return;
  const folder = dirname(file);
  const kind = await kindOf(folder);
  if (kind !== 'dir') throw new ConformanceError('USAGE', `--export-ca ${shown ?? file}: ${folder} is ${kind === 'missing' ? 'missing' : 'not a folder'}`);
  if ((await kindOf(file)) === 'dir') throw new ConformanceError('USAGE', `--export-ca ${shown ?? file}: is a folder; give a file name`);
}

const FLAGS: Readonly<Record<ListenerOption, { port: string; host: string }>> = {
  port: { port: '--port', host: '--host' },
  plainHttpCertificatePort: { port: '--plain-http-port', host: '--host' },
  adminPort: { port: '--admin-port', host: '--admin-host' },
};
const HOST_ERRORS: readonly string[] = ['EADDRNOTAVAIL', 'ENOTFOUND', 'EAI_AGAIN'];

/**
 * Rewrites a listener error of startMockWfm (USAGE with `details.option`) so its one line names the flag:
 * `--port 8443: address already in use`, `--admin-host 10.9.9.9: address not available on this machine`.
 * @returns the rewritten error, or `err` unchanged when it is not a listener error
 */
export function nameListenerFlag(err: unknown): unknown {
  if (!isConformanceError(err, 'USAGE')) return err;
  const option = err.details?.['option'];
  if (typeof option !== 'string' || !(option in FLAGS)) return err;
  const flags = FLAGS[option as ListenerOption];
  const errno = String(err.details?.['errno'] ?? '');
  const reason = err.message.replace(/^port \S+( on \S+)?: /, '');
  const subject = HOST_ERRORS.includes(errno) ? `${flags.host} ${String(err.details?.['host'])}` : `${flags.port} ${String(err.details?.['port'])}`;
  return new ConformanceError('USAGE', `${subject}: ${reason}`, { cause: err.cause, details: err.details ?? {} });
}
