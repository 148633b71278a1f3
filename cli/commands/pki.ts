/**
 * @module `margo-conformance pki --out DIR`: writes the whole test PKI (root CA, intermediate, server leaf,
 * client leaves of every key type, bad variants, payload garbage) and its manifest into a folder.
 */
import { resolve } from 'node:path';
import { ConformanceError, isConformanceError } from '../../core/errors.js';
import { generateTestPki, writeTestPki } from '../../core/pki/index.js';
import { EXIT } from '../exit-codes.js';
import type { CliIo } from '../io.js';

/**
 * Generates and writes the test PKI.
 * @returns exit code 0
 * @throws ConformanceError USAGE for an empty `--out`; REPORT_WRITE_FAILED when the folder cannot be written
 */
export async function runPkiCommand(opts: { out: string }, io: CliIo): Promise<number> {
  // resolve('') is the working directory: an empty --out would scatter private keys there.
  if (opts.out.trim() === '') throw new ConformanceError('USAGE', '--out needs a non-empty folder path');
  const dir = resolve(io.cwd, opts.out);
  const pki = await generateTestPki({ now: new Date(io.clock.nowMs()), withIntermediate: true });
  try {
    await writeTestPki(pki, dir);
  } catch (err) {
    if (isConformanceError(err)) throw err;
    throw new ConformanceError('REPORT_WRITE_FAILED', `cannot write the test PKI to ${dir}`, { cause: err });
  }
  io.stdout(`wrote ${pki.manifest.length} items and manifest.json to ${dir} (private keys mode 0600; keep this folder out of version control)`);
  for (const entry of pki.manifest) {
    io.stdout(`  ${entry.name.padEnd(28)} ${entry.kind.padEnd(16)} ${entry.defect ?? 'ok'}`);
  }
  return EXIT.conformant;
}
