/** A schematron as the loader compiles it: patterns of rules of asserts, as closures, and the dispatch tables by element name. */
import type { XNode } from '../dom.js';
import type { Flag, ValidationLayer } from '../types.js';
import type { BFn, Ctx, Fn, UserFunction } from '../xpath/context.js';
import type { ChainTrie } from './absence.js';

export type MessagePart = string | { select: Fn } | { name: Fn | null };

export interface CompiledAssert {
  id: string;
  flag: Flag;
  report: boolean;
  test: BFn;
  /** Index of the assert's `not(child path)` in its rule's absence trie (see ChainTrie), or -1. */
  absent: number;
  message: MessagePart[];
}

export interface CompiledRule {
  context: string;
  matchers: ((n: XNode, c: Ctx) => boolean)[];
  /** Keys of the final step of each union branch; null when a branch ends in a wildcard. */
  keys: (string | null)[];
  slots: { n: number };
  lets: (Fn | undefined)[];
  asserts: CompiledAssert[];
  /** The `not(child path)` tests of the asserts (see ChainTrie), and how many there are. */
  absence: ChainTrie | null;
  absenceCount: number;
}

/**
 * A rule as a candidate for one element name: only the union branches whose final step can match that
 * name (its own key or a wildcard), so a context like `A | B | C` tries one branch, not three.
 */
export interface Candidate {
  rule: CompiledRule;
  matchers: ((n: XNode, c: Ctx) => boolean)[];
}

export interface CompiledPattern {
  id: string;
  rules: CompiledRule[];
  dispatch: Map<string, CompiledRule[]>;
  wildcard: CompiledRule[];
}

export interface CompiledSchema {
  layer: ValidationLayer;
  title: string;
  patterns: CompiledPattern[];
  globalFns: Fn[];
  /** Slots for for/some/every variables in global lets and rule-context predicates. */
  globalSlots: { n: number };
  /** Memo slots of context-free subexpressions, per document. */
  memoCount: number;
  ruleCount: number;
  assertCount: number;
  /** Per element key id: the patterns with candidate rules for it, as [pattern index, rules in order]. */
  dispatchByKid: ([number, Candidate[]][] | undefined)[];
  /** For element names no rule names: the patterns with wildcard rules. */
  dispatchOther: [number, Candidate[]][];
  /** Functions the schematron defines (xsl:function), by "uri local#arity". */
  functions: Map<string, UserFunction>;
  ns: Record<string, string>;
}
