/**
 * @module Turning a parsed YAML document into plain values without crashes. `Document.toJS()` throws on an alias
 * whose anchor is not defined before it (`b: *y`) and on alias expansion beyond `maxAliasCount` (a "billion laughs"
 * file); both are problems of the user's file, so they come back here as one-line messages with a position.
 */
import { isAlias, visit, type Document, type LineCounter, type Node as YamlNode } from 'yaml';

/** A YAML problem found after parsing: the first line of the message and the 1-based position when known. */
export interface YamlProblem {
  readonly message: string;
  readonly line?: number;
  readonly column?: number;
}

/** The first alias (`*name`) whose anchor is not defined before it, or undefined. */
export function firstUnresolvedAlias(doc: Document): YamlNode | undefined {
  let found: YamlNode | undefined;
  visit(doc, {
    Alias(_, node) {
      if (node.resolve(doc) !== undefined) return undefined;
      found = node;
      return visit.BREAK;
    },
  });
  return found;
}

function positionOf(node: YamlNode | undefined, lineCounter: LineCounter): { line?: number; column?: number } {
  const offset = node?.range?.[0];
  if (offset === undefined) return {};
  const pos = lineCounter.linePos(offset);
  return { line: pos.line, column: pos.col };
}

/**
 * Converts `doc` (parsed with `lineCounter`, without syntax errors) to plain values.
 * @returns `{ value }`, or `{ problem }` for an unresolved alias (positioned at the alias) or any other failure of
 *   `toJS()` (first line of its message; positioned at the first alias when there is one)
 */
export function documentToJs(doc: Document, lineCounter: LineCounter): { value: unknown } | { problem: YamlProblem } {
  const unresolved = firstUnresolvedAlias(doc);
  if (unresolved !== undefined) {
    const name = isAlias(unresolved) ? unresolved.source : '?';
    return {
      problem: {
        message: `unresolved alias '*${name}': define the anchor '&${name}' before using it`,
        ...positionOf(unresolved, lineCounter),
      },
    };
  }
  try {
    return { value: doc.toJS() };
  } catch (err) {
    // Recorded as a problem of the file (the caller reports it with file:line:col), never rethrown as a crash.
    const first = (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? 'cannot read the YAML document';
    let alias: YamlNode | undefined;
    visit(doc, {
      Alias(_, node) {
        alias = node;
        return visit.BREAK;
      },
    });
    return { problem: { message: first, ...positionOf(alias, lineCounter) } };
  }
}
