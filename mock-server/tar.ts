/**
 * @module A minimal, deterministic ustar writer for the deployment bundle (gzip tar of ApplicationDeployment
 * YAMLs). Regular files at the archive root only; mtime 0, uid/gid 0, mode 0644, so equal inputs give equal
 * bytes and therefore an equal bundle digest.
 *
 * @see POSIX.1-1988 ustar header layout (IEEE Std 1003.1, `pax` utility, "ustar Interchange Format")
 * @see spec-digest §2.7 (bundle: gzip tar with one YAML per deployment), §6.31 (`<deploymentId>.yaml` at the root)
 */
import { gzipSync } from 'node:zlib';
import { ConformanceError } from '../core/errors.js';

const BLOCK = 512;

/** One file of the archive: a name at the archive root and its bytes. */
export interface TarEntry {
  readonly name: string;
  readonly data: Uint8Array;
}

function writeString(header: Buffer, offset: number, length: number, value: string): void {
  header.write(value, offset, length, 'utf8');
}

/** Octal number, zero-padded to `length - 1` digits and NUL-terminated, as ustar numeric fields are. */
function writeOctal(header: Buffer, offset: number, length: number, value: number): void {
  writeString(header, offset, length, value.toString(8).padStart(length - 1, '0') + '\0');
}

function buildHeader(entry: TarEntry): Buffer {
  const header = Buffer.alloc(BLOCK);
  writeString(header, 0, 100, entry.name);
  writeOctal(header, 100, 8, 0o644);
  writeOctal(header, 108, 8, 0);
  writeOctal(header, 116, 8, 0);
  writeOctal(header, 124, 12, entry.data.length);
  writeOctal(header, 136, 12, 0);
  header.fill(0x20, 148, 156); // checksum is computed with its own field read as spaces
  writeString(header, 156, 1, '0');
  writeString(header, 257, 6, 'ustar\0');
  writeString(header, 263, 2, '00');
  let sum = 0;
  for (const byte of header) sum += byte;
  writeString(header, 148, 8, sum.toString(8).padStart(6, '0') + '\0 ');
  return header;
}

/**
 * Builds an uncompressed ustar archive: one header block plus padded data per entry, then two zero blocks.
 *
 * @throws ConformanceError `INTERNAL` when a name is empty, longer than 100 bytes or contains `/`
 */
export function buildTar(entries: readonly TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    if (entry.name === '' || Buffer.byteLength(entry.name) > 100 || entry.name.includes('/')) {
      throw new ConformanceError('INTERNAL', `tar entry name must be 1–100 bytes at the archive root: '${entry.name}'`);
    }
    parts.push(buildHeader(entry), Buffer.from(entry.data));
    const pad = (BLOCK - (entry.data.length % BLOCK)) % BLOCK;
    if (pad > 0) parts.push(Buffer.alloc(pad));
  }
  parts.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(parts);
}

/** Gzip of {@link buildTar}; Node's gzip header carries mtime 0, so the output is deterministic. */
export function buildTarGz(entries: readonly TarEntry[]): Buffer {
  return gzipSync(buildTar(entries));
}

/**
 * Reads a ustar archive back into entries (regular files only). Used by tests and by the admin view;
 * not a general tar reader.
 *
 * @throws ConformanceError `INTERNAL` when a header checksum does not match
 */
export function readTar(archive: Uint8Array): TarEntry[] {
  const buf = Buffer.from(archive.buffer, archive.byteOffset, archive.byteLength);
  const entries: TarEntry[] = [];
  let offset = 0;
  while (offset + BLOCK <= buf.length) {
    const header = buf.subarray(offset, offset + BLOCK);
    if (header.every((b) => b === 0)) break;
    const name = header.toString('utf8', 0, 100).replace(/\0.*$/s, '');
    const size = parseInt(header.toString('ascii', 124, 136).replace(/\0.*$/s, '').trim() || '0', 8);
    const declared = parseInt(header.toString('ascii', 148, 156).replace(/[\0 ].*$/s, ''), 8);
    let sum = 0;
    for (let i = 0; i < BLOCK; i += 1) sum += i >= 148 && i < 156 ? 0x20 : (header[i] ?? 0);
    if (sum !== declared) throw new ConformanceError('INTERNAL', `tar header checksum mismatch for '${name}'`);
    const data = buf.subarray(offset + BLOCK, offset + BLOCK + size);
    if (header.toString('ascii', 156, 157) === '0' || header[156] === 0) entries.push({ name, data: Buffer.from(data) });
    offset += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
  }
  return entries;
}
