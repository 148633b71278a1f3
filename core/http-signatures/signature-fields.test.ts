import { describe, expect, test } from 'vitest';
import { isConformanceError } from '../errors.js';
import {
  parseSignatureDictionary,
  parseSignatureField,
  parseSignatureInputField,
  readSignatureBytes,
  readSignatureInputEntry,
} from './signature-fields.js';

/** What the library path (Structured Fields parser + re-serialization) says about a field: entries or an error code. */
function libraryInput(value: string): unknown {
  try {
    const dictionary = parseSignatureDictionary(value, 'SIGNATURE_INPUT_MALFORMED');
    return [...dictionary.keys()].map((label) => {
      try {
        return readSignatureInputEntry(label, dictionary.get(label) as NonNullable<ReturnType<typeof dictionary.get>>);
      } catch (err) {
        return isConformanceError(err) ? { error: err.code, message: err.message } : { thrown: String(err) };
      }
    });
  } catch (err) {
    return isConformanceError(err) ? { error: err.code } : { thrown: String(err) };
  }
}

function fieldInput(value: string): unknown {
  try {
    const field = parseSignatureInputField(value);
    return field.labels.map((label) => {
      try {
        return field.entry(label);
      } catch (err) {
        return isConformanceError(err) ? { error: err.code, message: err.message } : { thrown: String(err) };
      }
    });
  } catch (err) {
    return isConformanceError(err) ? { error: err.code } : { thrown: String(err) };
  }
}

const KEYID = 'c1f0a7e3b25d4e8f9a6b1c3d5e7f9a0b2c4d6e8f0a1b3c5d7e9f1a2b4c6d8e0f';
const INPUTS: readonly string[] = [
  // Canonical forms a conformant signer sends (the fast path).
  `sig1=("@method" "@target-uri" "content-digest");created=1764460800;keyid="${KEYID}"`,
  'sig1=("@method" "@target-uri");created=1764460800;keyid="k";alg="ecdsa-p256-sha256"',
  'sig1=();created=1',
  'sig-b21=("@authority" "content-digest" "@query-param";name="Pet");created=1618884473;keyid="test-key-rsa-pss";tag="x"',
  'sig1=("content-digest";sf "example-dict";key="a" "@query-param";name="x";req);created=0;expires=99',
  'sig1=("@method");created=-5',
  'sig1=("@method");created=999999999999999',
  'sig1=("@method");created=1;nonce="a b c"',
  // Not canonical, or not what the fast path reads: the library decides, with the same outcome.
  'sig1=("@method"  "@target-uri");created=1',
  'sig1=( "@method");created=1',
  'sig1=("@method" );created=1',
  'sig1=("@method");created=01',
  'sig1=("@method");created=-0',
  'sig1=("@method");created=1.5',
  'sig1=("@method");created=1000000000000000',
  'sig1=("@method");created=1;created=2',
  'sig1=("@method";sf;sf);created=1',
  'sig1=("@method");created=?1',
  'sig1=("@method");keyid=token',
  'sig1=("@method");created="1"',
  'sig1=("@method");nonce=5',
  'sig1=("@method" "@method");created=1',
  'sig1=("");created=1',
  'sig1=(@method);created=1',
  'sig1=("Content-Digest");created=1',
  'sig1=("a\\"b");created=1',
  'sig1=("@method");keyid="a\\\\b"',
  'sig1=("@method");created=1, sig2=("@target-uri");created=2',
  'sig1=("@method");created=1,sig1=("@target-uri");created=2',
  'Sig1=("@method");created=1',
  'sig1="@method"',
  'sig1=("@method";created=1',
  'sig1=("@method"); created=1',
  'sig1=("@method");created=1 ',
  'sig1=("@method");created=1;',
  'sig1=("@method");created=1;x=:AAAA:',
  'sig1=("@method");created=1;x=@1700000000',
  'sig1=("@method");created=1;x=?0',
  'sig1=("@method");created=1;x=1.25',
  '',
  '=("@method")',
];

describe('parseSignatureInputField agrees with the Structured Fields parser', () => {
  for (const value of INPUTS) {
    test(value === '' ? '(empty)' : value, () => {
      expect(fieldInput(value)).toEqual(libraryInput(value));
    });
  }

  test('the canonical member text is its own @signature-params value', () => {
    const value = `sig1=("@method" "@target-uri" "content-digest");created=1764460800;keyid="${KEYID}"`;
    expect(parseSignatureInputField(value).entry('sig1')?.signatureParams).toBe(value.slice('sig1='.length));
  });

  test('an absent label has no entry', () => {
    expect(parseSignatureInputField('sig1=("@method");created=1').entry('sig2')).toBeUndefined();
  });
});

function librarySignature(value: string, label: string): unknown {
  try {
    return readSignatureBytes(label, parseSignatureDictionary(value, 'SIGNATURE_MALFORMED').get(label));
  } catch (err) {
    return isConformanceError(err) ? { error: err.code, message: err.message } : { thrown: String(err) };
  }
}

function fieldSignature(value: string, label: string): unknown {
  try {
    return parseSignatureField(value).bytes(label);
  } catch (err) {
    return isConformanceError(err) ? { error: err.code, message: err.message } : { thrown: String(err) };
  }
}

const SIG64 = Buffer.alloc(64, 0xa5).toString('base64');
const SIGNATURES: readonly string[] = [
  `sig1=:${SIG64}:`,
  'sig1=::',
  'sig1=:AA==:',
  'sig1=:AAA=:',
  'sig1=:AB==:',
  'sig1=:AAAA:',
  'sig1=:AA:',
  'sig1=:A===:',
  'sig1=:A:',
  'sig1=:AA=A:',
  'sig1=:A-_A:',
  'sig1=:AAAA',
  `sig1=:${SIG64}:;p=1`,
  `sig1=:${SIG64}:, sig2=:AAAA:`,
  `sig1=("x")`,
  `sig1=abc`,
  `SIG1=:AAAA:`,
  `sig1=: AAAA:`,
];

describe('parseSignatureField agrees with the Structured Fields parser', () => {
  for (const value of SIGNATURES) {
    for (const label of ['sig1', 'sig2']) {
      test(`${value} (${label})`, () => {
        expect(fieldSignature(value, label)).toEqual(librarySignature(value, label));
      });
    }
  }
});
