/**
 * @module Package paths. Code runs both from source (vitest) and from `dist/` (the CLI), so data folders
 * (`schemas/`, `fixtures/`) are found from the package root, never from a relative `../`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findPackageRoot(start: string): string {
  let dir = start;
  for (;;) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) {
      const pkg = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string };
      if (pkg.name === 'margo-conformance') return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`margo-conformance package root not found above ${start}`);
    dir = parent;
  }
}

/** Absolute path of the package root (the folder holding package.json). */
export const packageRoot: string = findPackageRoot(dirname(fileURLToPath(import.meta.url)));

/** Absolute path of a file or folder inside the package, e.g. `packagePath('schemas', 'report.schema.json')`. */
export function packagePath(...segments: string[]): string {
  return join(packageRoot, ...segments);
}

/** The tool's version, from package.json. */
export const toolVersion: string = (
  JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string }
).version;
