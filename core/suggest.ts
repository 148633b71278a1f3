/**
 * @module "Did you mean …?" for mistyped names (config keys, command names), by Levenshtein edit distance.
 */

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const next = Math.min((row[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = row[j] ?? 0;
      row[j] = next;
    }
  }
  return row[b.length] ?? 0;
}

/**
 * The candidate closest to a mistyped `word` (case-insensitive match first, then edit distance ≤ 3), or undefined
 * when none is close. Used for config keys and for unknown commands.
 */
export function closestName(word: string, candidates: readonly string[]): string | undefined {
  const best = candidates
    .map((a) => ({ a, d: a.toLowerCase() === word.toLowerCase() ? 0 : editDistance(word, a) }))
    .sort((x, y) => x.d - y.d)[0];
  return best !== undefined && best.d <= 3 ? best.a : undefined;
}

