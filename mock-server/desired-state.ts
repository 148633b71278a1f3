/**
 * @module Desired state as the mock serves it: ApplicationDeployment YAMLs per client, the state manifest with its
 * strong ETag, the gzip tar bundle, content negotiation (`Accept` → 406) and `If-None-Match` (→ 304).
 *
 * The manifest is serialised once per change and its bytes cached, so the ETag is always the digest of exactly the
 * bytes served (spec-digest §5.5 items 38–45). `manifestVersion` is a bigint and written as an exact integer.
 * @see spec-digest §2.5–§2.7, §6.27–§6.29, §6.31
 */
import { parse as parseYaml } from 'yaml';
import { ConformanceError } from '../core/errors.js';
import { stringifyJson } from '../core/json.js';
import { buildDesiredStateManifest, type Profile } from '../core/profiles/index.js';
import type { MockFault } from './faults.js';
import { sha256Digest, type DeploymentDoc, type PublishedState } from './state.js';
import { buildTarGz } from './tar.js';

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Parses one ApplicationDeployment YAML document and keeps its exact text as the served bytes.
 * Returns a {@link DeploymentDoc} whose `deploymentId` is `metadata.annotations.id`.
 *
 * @throws ConformanceError `CONFIG_INVALID` when the text is not YAML, `kind` is not `ApplicationDeployment`, or
 *   `metadata.annotations.id` is missing
 * @see spec-digest §2.7, §5.5 item 46
 */
export function parseDeploymentYaml(yaml: string): DeploymentDoc {
  let doc: unknown;
  try {
    doc = parseYaml(yaml);
  } catch (err) {
    throw new ConformanceError('CONFIG_INVALID', `ApplicationDeployment is not valid YAML: ${(err as Error).message}`, { cause: err });
  }
  if (!isRecord(doc) || doc['kind'] !== 'ApplicationDeployment') {
    throw new ConformanceError('CONFIG_INVALID', 'expected a YAML document with kind: ApplicationDeployment');
  }
  const metadata = doc['metadata'];
  const annotations = isRecord(metadata) ? metadata['annotations'] : undefined;
  const id = isRecord(annotations) ? annotations['id'] : undefined;
  if (typeof id !== 'string' || !/^[A-Za-z0-9._~-]+$/.test(id)) {
    throw new ConformanceError('CONFIG_INVALID', 'ApplicationDeployment needs metadata.annotations.id (URL-safe string)');
  }
  const bytes = Buffer.from(yaml, 'utf8');
  return { deploymentId: id, yaml, bytes, digest: sha256Digest(bytes) };
}

/** Splits a multi-document YAML stream (`---` separators) into its non-empty documents. */
export function splitYamlDocuments(text: string): string[] {
  return text
    .split(/^---[ \t]*$/m)
    .map((doc) => doc.replace(/^\s*\n/, ''))
    .filter((doc) => doc.trim() !== '');
}

/** Inputs of {@link publishDesiredState}. */
export interface PublishInput {
  readonly profile: Profile;
  readonly clientId: string;
  readonly manifestVersion: bigint;
  readonly deployments: readonly DeploymentDoc[];
  /** Path prefix before `/api/v1` (option `basePath`), prepended to every manifest `url`. */
  readonly basePath: string;
  readonly faults: ReadonlySet<MockFault>;
}

/**
 * Builds the served form of a client's desired state: manifest bytes, ETag `"sha256:<hex>"` of exactly those bytes,
 * bundle (gzip tar of `<deploymentId>.yaml` entries; none when there are no deployments, so `bundle` is `null`) and
 * the YAMLs by digest.
 *
 * @see spec-digest §2.6 (bundle null when deployments is empty), §5.5 item 39 (strong ETag over the exact body)
 */
export function publishDesiredState(input: PublishInput): PublishedState {
  const bundleBytes =
    input.deployments.length === 0
      ? undefined
      : buildTarGz(input.deployments.map((d) => ({ name: `${d.deploymentId}.yaml`, data: d.bytes })));
  const bundle = bundleBytes === undefined ? undefined : { digest: sha256Digest(bundleBytes), bytes: bundleBytes };
  const manifest = buildDesiredStateManifest(input.profile, {
    clientId: input.clientId,
    manifestVersion: input.manifestVersion,
    deployments: input.deployments.map((d) => ({ deploymentId: d.deploymentId, digest: d.digest, sizeBytes: d.bytes.length })),
    ...(bundle === undefined ? {} : { bundle: { digest: bundle.digest, sizeBytes: bundle.bytes.length } }),
  });
  const manifestBody = Buffer.from(stringifyJson(prefixUrls(manifest, input.basePath)), 'utf8');
  const digest = sha256Digest(manifestBody);
  const etag = input.faults.has('etag-not-body-digest') ? `"${sha256Digest(Buffer.from(input.clientId))}"` : `"${digest}"`;
  const deploymentsByDigest = new Map(input.deployments.map((d) => [`${d.deploymentId} ${d.digest}`, d]));
  return { manifestBody, etag, deploymentsByDigest, ...(bundle === undefined ? {} : { bundle }) };
}

function prefixUrls(manifest: Record<string, unknown>, basePath: string): Record<string, unknown> {
  if (basePath === '') return manifest;
  const withPrefix = (ref: unknown): unknown =>
    isRecord(ref) && typeof ref['url'] === 'string' ? { ...ref, url: `${basePath}${ref['url']}` } : ref;
  const deployments = manifest['deployments'];
  return {
    ...manifest,
    bundle: withPrefix(manifest['bundle']),
    deployments: Array.isArray(deployments) ? deployments.map(withPrefix) : deployments,
  };
}

/** Media ranges that fall back to the manifest type (`accept.fallbackTypes`, spec-digest §6.29). */
const FALLBACK_RANGES = new Set(['*/*', 'application/*', 'application/json']);

/**
 * True when an `Accept` header allows the manifest media type: absent or empty, or any listed range (q > 0) is the
 * manifest type, `*\/*`, `application/*` or `application/json`. Only unsupported types → false (→ 406).
 * @see RFC 9110 §12.5.1, spec-digest §5.5 item 37
 */
export function acceptsManifest(accept: string | undefined, manifestType: string): boolean {
  if (accept === undefined || accept.trim() === '') return true;
  return accept.split(',').some((range) => {
    const [type = '', ...params] = range.split(';').map((p) => p.trim().toLowerCase());
    const q = params.find((p) => p.startsWith('q='));
    if (q !== undefined && Number(q.slice(2)) === 0) return false;
    return type === manifestType || FALLBACK_RANGES.has(type);
  });
}

/**
 * True when `If-None-Match` matches `etag`: `*`, or any listed entity-tag equal to it. Comparison is strong and
 * exact on the quoted value; an unquoted value equal to the inner digest also matches (`etag.compare`,
 * spec-digest §6.28). Weak tags (`W/"…"`) never match a strong comparison.
 * @see RFC 9110 §13.1.2
 */
export function ifNoneMatchMatches(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const inner = etag.replace(/^"|"$/g, '');
  return header.split(',').some((raw) => {
    const tag = raw.trim();
    return tag === '*' || tag === etag || tag === inner;
  });
}
