/**
 * @module Redaction of a RunResult before any report is rendered.
 *
 * Private keys (PEM blocks), `Signature` values (shortened to a recognisable prefix), admin tokens and other
 * secret config values, and the values of secret headers are removed from every string of the run, wherever
 * they were echoed (bodies, messages, signature bases, notes, the config). Values are learnt from the places
 * that hold them (secret headers, secret config keys, `Signature` headers) and then scrubbed everywhere.
 * @see RFC 9421 §4.2 (Signature field: a Dictionary of Byte Sequences)
 */
import type { RunResult } from '../check.js';

/** What to redact beyond the defaults. Header names are compared case-insensitively. */
export interface RedactionOptions {
  /** Extra header names whose values are secret (added to {@link DEFAULT_SECRET_HEADERS}). */
  secretHeaders?: readonly string[];
  /** Literal secret values (admin tokens, passphrases) to scrub from every string. */
  secretValues?: readonly string[];
}

/** Header names whose values are always redacted. */
export const DEFAULT_SECRET_HEADERS: readonly string[] = ['authorization', 'proxy-authorization', 'cookie', 'set-cookie'];

/** The replacement text for a secret value. */
export const REDACTED = '[REDACTED]';

/** Shown once per private key, in place of the whole PEM block. */
export const REDACTED_PRIVATE_KEY = '[REDACTED PRIVATE KEY]';

/** How many characters of a signature's base64 stay visible, so a reader can tell two signatures apart. */
const SIGNATURE_PREFIX_CHARS = 8;
/** Shorter learnt values are not scrubbed: replacing a 1–3 character string everywhere would shred the report. */
const MIN_SECRET_CHARS = 4;

const SECRET_KEY_PARTS = [
  'token',
  'secret',
  'password',
  'passphrase',
  'credential',
  'apikey',
  'api_key',
  'api-key',
  'privatekey',
  'private_key',
  'private-key',
  'keypem',
  'authorization',
];

const PEM_PRIVATE_KEY = /-----BEGIN ([A-Z0-9 ]*PRIVATE KEY)-----[\s\S]*?-----END \1-----/g;
/** A truncated body excerpt can cut a PEM block before its END line: drop everything from BEGIN on. */
const PEM_PRIVATE_KEY_TRUNCATED = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*/g;
const SIGNATURE_BYTES = /:([A-Za-z0-9+/_-]{12,}={0,2}):/g;

/** True when a config key name looks like it holds a secret (`adminToken`, `clientKeyPem`, `password`, …). */
export function isSecretKeyName(key: string): boolean {
  const lower = key.toLowerCase();
  // `secretHeaders: [x-vendor-secret]` lists header *names*; they are not secret themselves.
  if (lower.endsWith('headers')) return false;
  return lower === 'key' || SECRET_KEY_PARTS.some((part) => lower.includes(part));
}

/**
 * Shortens every Byte Sequence of a `Signature` field value to its first 8 base64 characters and `…`:
 * `sig1=:K2qGT5srn2OGbOIDzQ6kYT+ruaycnDAAUpKv+ePFfD0=:` → `sig1=:K2qGT5sr…:`.
 */
export function shortenSignature(value: string): string {
  return value.replace(SIGNATURE_BYTES, (_, bytes: string) => `:${bytes.slice(0, SIGNATURE_PREFIX_CHARS)}…:`);
}

/** Removes PEM private key blocks (complete or truncated) from `text`. */
export function redactPrivateKeys(text: string): string {
  return text.replace(PEM_PRIVATE_KEY, REDACTED_PRIVATE_KEY).replace(PEM_PRIVATE_KEY_TRUNCATED, REDACTED_PRIVATE_KEY);
}

/** Secret value → replacement, longest first so a value is never partly replaced by a shorter one. */
type SecretTable = readonly (readonly [string, string])[];

/**
 * Returns a deep copy of `run` with every secret removed (see the module comment). The verdicts, counts and
 * structure are unchanged, so the result still validates against `schemas/report.schema.json`.
 */
export function redactRun(run: RunResult, options: RedactionOptions = {}): RunResult {
  const secretHeaders = new Set([...DEFAULT_SECRET_HEADERS, ...(options.secretHeaders ?? [])].map((h) => h.toLowerCase()));
  const table = learnSecrets(run, secretHeaders, options.secretValues ?? []);
  const scrub = (text: string): string => scrubText(text, table);
  return walk(run, '', { scrub, secretHeaders, inConfig: false }) as RunResult;
}

/** Removes private keys and the given secret values from one string (for console lines outside a RunResult). */
export function redactText(text: string, secretValues: readonly string[] = []): string {
  return scrubText(text, tableOf(secretValues.map((v) => [v, REDACTED] as const)));
}

function scrubText(text: string, table: SecretTable): string {
  let out = redactPrivateKeys(text);
  for (const [secret, replacement] of table) out = out.split(secret).join(replacement);
  return out;
}

function tableOf(entries: readonly (readonly [string, string])[]): SecretTable {
  const unique = new Map(entries.filter(([v]) => v.length >= MIN_SECRET_CHARS));
  return [...unique.entries()].sort((a, b) => b[0].length - a[0].length);
}

/** Step 1: collect the secret values held by secret config keys, secret headers and `Signature` headers. */
function learnSecrets(run: RunResult, secretHeaders: ReadonlySet<string>, given: readonly string[]): SecretTable {
  const entries: (readonly [string, string])[] = given.map((v) => [v, REDACTED] as const);
  collectConfigSecrets(run.config, false, (v) => entries.push([v, REDACTED]));
  for (const result of run.results) {
    for (const e of result.evidence) {
      if (e.kind !== 'exchange') continue;
      for (const headers of [e.request.headers, e.response?.headers ?? {}]) {
        for (const [name, value] of Object.entries(headers)) {
          const lower = name.toLowerCase();
          if (secretHeaders.has(lower)) {
            entries.push([value, REDACTED]);
            // `Bearer <token>`: the token alone may be echoed elsewhere.
            const credential = value.split(' ').slice(1).join(' ');
            if (credential !== '') entries.push([credential, REDACTED]);
          } else if (lower === 'signature') {
            for (const m of value.matchAll(SIGNATURE_BYTES)) {
              const bytes = m[1] ?? '';
              entries.push([bytes, `${bytes.slice(0, SIGNATURE_PREFIX_CHARS)}…`]);
            }
          }
        }
      }
    }
  }
  return tableOf(entries);
}

function collectConfigSecrets(value: unknown, secret: boolean, add: (v: string) => void): void {
  if (typeof value === 'string') {
    if (secret) add(value);
  } else if (Array.isArray(value)) {
    for (const item of value) collectConfigSecrets(item, secret, add);
  } else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) collectConfigSecrets(v, secret || isSecretKeyName(k), add);
  }
}

interface WalkState {
  scrub(text: string): string;
  secretHeaders: ReadonlySet<string>;
  inConfig: boolean;
}

/** Step 2: copy the run, scrubbing every string; headers and config keys get name-based redaction first. */
function walk(value: unknown, key: string, state: WalkState): unknown {
  if (typeof value === 'string') return state.scrub(value);
  if (Array.isArray(value)) return value.map((item) => walk(item, key, state));
  if (typeof value !== 'object' || value === null) return value;
  if (key === 'headers' && !state.inConfig) return redactHeaders(value as Record<string, unknown>, state);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const inConfig = state.inConfig || (key === '' && k === 'config');
    if (inConfig && isSecretKeyName(k) && v !== null && v !== undefined && v !== '') out[k] = REDACTED;
    else out[k] = walk(v, k, { ...state, inConfig });
  }
  return out;
}

function redactHeaders(headers: Record<string, unknown>, state: WalkState): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (state.secretHeaders.has(lower)) out[name] = REDACTED;
    else if (lower === 'signature' && typeof value === 'string') out[name] = state.scrub(shortenSignature(value));
    else out[name] = walk(value, name, state);
  }
  return out;
}
