/**
 * @module Line diff of two signature bases (expected vs rebuilt from the request), for the HTML report.
 * Each covered component is one line of the signature base, so a line diff points at the offending component.
 * @see RFC 9421 §2.5 (creating the signature base)
 */

/** One line of one side, `changed` when it has no counterpart on the other side. */
export interface DiffLine {
  readonly text: string;
  readonly changed: boolean;
}

/** Both sides, line by line. */
export interface LineDiff {
  readonly expected: readonly DiffLine[];
  readonly actual: readonly DiffLine[];
}

/**
 * Marks the lines of `expected` and `actual` that are not part of their longest common subsequence of lines.
 * Quadratic in the line count; signature bases have a handful of lines.
 */
export function diffLines(expected: string, actual: string): LineDiff {
  const a = expected.split('\n');
  const b = actual.split('\n');
  // lcs[i][j] = LCS length of a[i..] and b[j..].
  const lcs: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const keepA = new Set<number>();
  const keepB = new Set<number>();
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      keepA.add(i++);
      keepB.add(j++);
    } else if (lcs[i + 1]![j]! >= lcs[i]![j + 1]!) i++;
    else j++;
  }
  return {
    expected: a.map((text, n) => ({ text, changed: !keepA.has(n) })),
    actual: b.map((text, n) => ({ text, changed: !keepB.has(n) })),
  };
}
