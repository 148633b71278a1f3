import { describe, expect, it } from 'vitest';
import { BODY_EXCERPT_CHARS, bodyExcerpt, exchangeEvidence } from './evidence.js';

const redaction = { headers: new Set(['authorization']), values: ['s3cret-token'] };

describe('exchange evidence', () => {
  it('redacts secret headers and values, keeps the rest', () => {
    const e = exchangeEvidence(
      {
        label: 'x',
        method: 'POST',
        url: 'https://wfm/api/v1/onboarding?t=s3cret-token',
        requestHeaders: { Authorization: 'Bearer abc', 'content-type': 'application/json' },
        requestBody: Buffer.from('{"a":"s3cret-token"}'),
        response: { status: 201, headers: { etag: '"x"' }, body: Buffer.from('{"clientId":"c1"}') },
      },
      redaction,
    );
    expect(e.request.headers).toEqual({ authorization: '[redacted]', 'content-type': 'application/json' });
    expect(e.request.url).not.toContain('s3cret-token');
    expect(e.request.body).toBe('{"a":"[redacted]"}');
    expect(e.response).toEqual({ status: 201, headers: { etag: '"x"' }, body: '{"clientId":"c1"}' });
  });

  it('keeps binary bodies as base64 with a marker and cuts long bodies', () => {
    expect(bodyExcerpt(new Uint8Array([0x1f, 0x8b, 0, 1]), redaction)).toBe('base64:H4sAAQ==');
    const long = bodyExcerpt(Buffer.from('a'.repeat(BODY_EXCERPT_CHARS + 10)), redaction) ?? '';
    expect(long.endsWith(`…[${BODY_EXCERPT_CHARS + 10} chars]`)).toBe(true);
    expect(bodyExcerpt(undefined, redaction)).toBeUndefined();
  });
});
