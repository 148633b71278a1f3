import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  CONFIG_KEYS,
  configFromEnv,
  DEFAULT_CONFIG,
  ENV_VARS,
  mergeConfig,
  parseConfigYaml,
  redactConfig,
  resolveConfig,
  validateConfigLayer,
} from './config.js';
import { isConformanceError } from './errors.js';
import { ALL_ALGORITHMS } from './http-signatures/algorithms.js';
import { packagePath } from './paths.js';

interface SchemaNode {
  type?: string;
  properties?: Record<string, SchemaNode>;
}

function schemaLeaves(node: SchemaNode, prefix = ''): string[] {
  if (node.type !== 'object' || node.properties === undefined) return [prefix];
  return Object.entries(node.properties).flatMap(([k, v]) => schemaLeaves(v, prefix === '' ? k : `${prefix}.${k}`));
}

function getPath(obj: unknown, key: string): unknown {
  return key.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], obj);
}

describe('configuration keys', () => {
  const schema = JSON.parse(readFileSync(packagePath('schemas', 'config.schema.json'), 'utf8')) as SchemaNode;

  it('documents exactly the keys of schemas/config.schema.json', () => {
    expect(CONFIG_KEYS.map((k) => k.key).sort()).toEqual(schemaLeaves(schema).sort());
  });

  it('lists defaults equal to DEFAULT_CONFIG, which the schema accepts', () => {
    for (const k of CONFIG_KEYS) expect(getPath(DEFAULT_CONFIG, k.key), k.key).toEqual(k.default);
    expect(validateConfigLayer(DEFAULT_CONFIG, 'defaults')).toEqual([]);
  });

  it('has the spec-digest §6 defaults', () => {
    expect(DEFAULT_CONFIG).toMatchObject({
      profile: 'rfc9421-v1',
      timeoutMs: 10000,
      certificate: { encoding: 'base64-der' },
      signatures: { label: 'sig1', maxAgeSeconds: 300, clockSkewSeconds: 60, acceptMixedCaseComponentIds: true, keyidStrategy: 'spki-sha256-hex' },
      digest: { mode: 'raw-body', requireOnEmptyBody: false },
      onboarding: { requireSignature: true, pendingApprovalBehavior: '403' },
      status: { acceptedCodes: [200, 201] },
      errors: { format: 'lenient' },
      clientId: { pattern: '^[A-Za-z0-9._~-]+$' },
      tls: { minVersion: 'TLSv1.3' },
      client: { scenarioTimeoutMs: 30000, maxOnboardingAttemptsPerMinute: 6 },
    });
    expect(DEFAULT_CONFIG.signatures.allowedAlgorithms).toHaveLength(6);
    expect(DEFAULT_CONFIG.reports.formats).toEqual(['json', 'junit', 'html', 'md']);
  });

  it('takes its signature algorithms from core/http-signatures: defaults and both schema enums', () => {
    const signatures = (schema.properties?.['signatures'] ?? {}) as { properties: Record<string, { enum?: string[]; items?: { enum?: string[] } }> };
    expect(DEFAULT_CONFIG.signatures.allowedAlgorithms).toEqual([...ALL_ALGORITHMS]);
    expect(signatures.properties['algorithm']?.enum).toEqual([...ALL_ALGORITHMS]);
    expect(signatures.properties['allowedAlgorithms']?.items?.enum).toEqual([...ALL_ALGORITHMS]);
  });

  it('gives every env variable a MARGO_ name, once', () => {
    const names = ENV_VARS.map((e) => e.name);
    expect(new Set(names).size).toBe(names.length);
    for (const n of names) expect(n).toMatch(/^MARGO_[A-Z0-9_]+$/);
    expect(ENV_VARS).toContainEqual(expect.objectContaining({ name: 'MARGO_REPORT_DIR', key: 'reports.dir' }));
    expect(ENV_VARS).toContainEqual(expect.objectContaining({ name: 'MARGO_FORMAT', key: 'reports.formats' }));
  });
});

describe('parseConfigYaml', () => {
  it('reports a typo with line, column, dotted key and a suggestion', () => {
    const { issues } = parseConfigYaml('signatures:\n  maxAgeSecond: 5\n', 'margo.yaml');
    expect(issues).toEqual([
      {
        source: 'margo.yaml',
        line: 2,
        column: 3,
        key: 'signatures.maxAgeSecond',
        message: "unknown key 'maxAgeSecond' in 'signatures' (did you mean 'maxAgeSeconds'?)",
      },
    ]);
  });

  it('reports wrong types and enum values at the value position', () => {
    const text = 'profile: rfc9421-v1\ninsecureBootstrap: yes\nreports:\n  formats: [json, pdf]\ntimeoutMs: "10"\n';
    const { issues } = parseConfigYaml(text, 'c.yaml');
    expect(issues).toEqual([
      { source: 'c.yaml', line: 2, column: 20, key: 'insecureBootstrap', message: "must be boolean (found string 'yes')" },
      {
        source: 'c.yaml',
        line: 4,
        column: 19,
        key: 'reports.formats[1]',
        message: "must be one of 'json', 'junit', 'html', 'md' (found 'pdf')",
      },
      { source: 'c.yaml', line: 5, column: 12, key: 'timeoutMs', message: "must be integer (found string '10')" },
    ]);
  });

  it('reports an unknown top-level key and YAML syntax errors with positions', () => {
    expect(parseConfigYaml('targt: https://wfm.example\n', 'c.yaml').issues[0]).toMatchObject({
      line: 1,
      key: 'targt',
      message: "unknown key 'targt' (did you mean 'target'?)",
    });
    const syntax = parseConfigYaml('a: 1\na: 2\n', 'c.yaml').issues;
    expect(syntax[0]).toMatchObject({ source: 'c.yaml', line: 2, column: 1 });
    expect(syntax[0]?.message).toContain('Map keys must be unique');
  });

  it('returns the parsed layer when it is valid, and an empty layer for an empty file', () => {
    const text = 'profile: rfc9421-rc2\ntarget: https://wfm.example/tenant\nsignatures:\n  maxAgeSeconds: 120\n';
    expect(parseConfigYaml(text, 'c.yaml')).toEqual({
      config: { profile: 'rfc9421-rc2', target: 'https://wfm.example/tenant', signatures: { maxAgeSeconds: 120 } },
      issues: [],
    });
    expect(parseConfigYaml('# nothing\n', 'c.yaml')).toEqual({ config: {}, issues: [] });
    expect(parseConfigYaml('- a\n', 'c.yaml').issues[0]?.message).toBe('must be object (found an array of 1 item)');
  });

  it('turns an unresolved alias into an issue with its position instead of throwing', () => {
    const { config, issues } = parseConfigYaml('profile: rfc9421-v1\nb: *y\n', 'c.yaml');
    expect(config).toEqual({});
    expect(issues).toEqual([
      { source: 'c.yaml', line: 2, column: 4, key: '', message: "unresolved alias '*y': define the anchor '&y' before using it" },
    ]);
  });

  it('turns an alias explosion into an issue instead of throwing', () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 8; i++) lines.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill(`*${String.fromCharCode(96 + i)}`).join(', ')}]`);
    const { issues } = parseConfigYaml(`${lines.join('\n')}\n`, 'bomb.yaml');
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ source: 'bomb.yaml', key: '' });
    expect(issues[0]?.message).toBe('Excessive alias count indicates a resource exhaustion attack');
  });

  it('accepts aliases whose anchor is defined first', () => {
    const text = 'secrets:\n  headers: &h [x-api-key]\n  values: *h\n';
    expect(parseConfigYaml(text, 'c.yaml')).toEqual({ config: { secrets: { headers: ['x-api-key'], values: ['x-api-key'] } }, issues: [] });
  });

  it('explains duplicates, empty strings and type mismatches in plain words', () => {
    const dup = validateConfigLayer({ reports: { formats: ['json', 'json'] } }, 'flags');
    expect(dup[0]?.message).toBe("must not list the same item twice ('json' is at [0] and [1])");
    expect(validateConfigLayer({ reports: { dir: '' } }, 'flags')[0]?.message).toBe('must not be empty');
    expect(validateConfigLayer({ timeoutMs: 600_001 }, 'flags')[0]?.message).toBe('must be <= 600000 (found 600001)');
    expect(validateConfigLayer({ client: { scenarioTimeoutMs: 600_001 } }, 'flags')[0]?.key).toBe('client.scenarioTimeoutMs');
    expect(validateConfigLayer({ timeoutMs: 600_000 }, 'flags')).toEqual([]);
    expect(validateConfigLayer({ profile: ['x'] }, 'flags')[0]?.message).toBe('must be string (found an array of 1 item)');
    expect(validateConfigLayer({ timeoutMs: '5' }, 'flags')[0]?.message).toBe("must be integer (found string '5')");
  });
});

describe('configFromEnv', () => {
  it('converts integers, booleans and lists and ignores empty values', () => {
    const { config, issues } = configFromEnv({
      MARGO_TARGET: 'https://wfm.example',
      MARGO_SIGNATURES_MAX_AGE_SECONDS: '30',
      MARGO_INSECURE_BOOTSTRAP: 'yes',
      MARGO_FORMAT: 'json, junit',
      MARGO_STATUS_ACCEPTED_CODES: '200',
      MARGO_CA: '',
      UNRELATED: 'x',
    });
    expect(issues).toEqual([]);
    expect(config).toEqual({
      target: 'https://wfm.example',
      signatures: { maxAgeSeconds: 30 },
      insecureBootstrap: true,
      reports: { formats: ['json', 'junit'] },
      status: { acceptedCodes: [200] },
    });
  });

  it('names the variable of a bad value', () => {
    const { issues } = configFromEnv({ MARGO_TIMEOUT_MS: 'ten', MARGO_FAIL_ON: 'error', MARGO_FORMAT: 'json,pdf' });
    expect(issues).toEqual([
      { source: 'env MARGO_TIMEOUT_MS', key: 'timeoutMs', message: "must be an integer (found 'ten')" },
      { source: 'env MARGO_FORMAT', key: 'reports.formats[1]', message: "must be one of 'json', 'junit', 'html', 'md' (found 'pdf')" },
      { source: 'env MARGO_FAIL_ON', key: 'failOn', message: "must be one of 'fail', 'warn' (found 'error')" },
    ]);
  });
});

describe('mergeConfig and resolveConfig', () => {
  it('applies precedence flags > env > file > defaults', () => {
    const file = parseConfigYaml('timeoutMs: 1000\nfailOn: warn\nsignatures:\n  maxAgeSeconds: 100\n  clockSkewSeconds: 5\n', 'f.yaml');
    const env = configFromEnv({ MARGO_TIMEOUT_MS: '2000', MARGO_SIGNATURES_MAX_AGE_SECONDS: '200' });
    const flags = { timeoutMs: 3000 };
    const config = resolveConfig({ file: file.config, env: env.config, flags });
    expect(config.timeoutMs).toBe(3000);
    expect(config.signatures.maxAgeSeconds).toBe(200);
    expect(config.signatures.clockSkewSeconds).toBe(5);
    expect(config.failOn).toBe('warn');
    expect(config.signatures.label).toBe('sig1');
    expect(config.profile).toBe('rfc9421-v1');
  });

  it('replaces arrays whole, skips undefined, and freezes the result without touching DEFAULT_CONFIG', () => {
    const config = mergeConfig({ reports: { formats: ['json'] }, target: undefined }, { status: { acceptedCodes: [201] } });
    expect(config.reports.formats).toEqual(['json']);
    expect(config.status.acceptedCodes).toEqual([201]);
    expect('target' in config).toBe(false);
    expect(Object.isFrozen(config.signatures)).toBe(true);
    expect(DEFAULT_CONFIG.reports.formats).toHaveLength(4);
  });

  it('throws PROFILE_UNKNOWN for an unknown profile in any layer', () => {
    expect.assertions(1);
    try {
      resolveConfig({ flags: { profile: 'nope' } });
    } catch (err) {
      expect(isConformanceError(err, 'PROFILE_UNKNOWN')).toBe(true);
    }
  });
});

describe('redactConfig', () => {
  it('hides hook userinfo and query, and every secret value wherever it appears', () => {
    const config = mergeConfig({
      target: 'https://admin:pw@wfm.example/t?key=1',
      operator: { hook: 'https://bot:s3cret@hooks.example/approve?token=abc#x', command: 'approve --token TOPSECRET' },
      secrets: { values: ['TOPSECRET'], headers: ['x-api-key'] },
    });
    const redacted = redactConfig(config) as {
      target: string;
      operator: { hook: string; command: string };
      secrets: { values: string[]; headers: string[] };
    };
    expect(redacted.operator.hook).toBe('https://[redacted]@hooks.example/approve?[redacted]#x');
    expect(redacted.target).toBe('https://[redacted]@wfm.example/t?[redacted]');
    expect(redacted.operator.command).toBe('approve --token [redacted]');
    expect(redacted.secrets).toEqual({ values: ['[redacted]'], headers: ['x-api-key'] });
    expect(JSON.stringify(redacted)).not.toMatch(/TOPSECRET|s3cret|token=abc|pw@/);
    expect(config.operator.command).toBe('approve --token TOPSECRET');
  });
});
