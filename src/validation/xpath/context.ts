/**
 * The shapes compiled XPath shares with its callers: the dynamic context a closure runs in (frame,
 * per-document state, focus) and the compile-time scope that maps variable names to frame slots.
 */
import type { XDocument } from '../dom.js';
import type { Item, Seq } from './values.js';

export interface Frame {
  v: (Seq | undefined)[];
  /** Lazily evaluated lets of the frame (rule lets), by slot. */
  lets: (Fn | undefined)[] | null;
  /** The context the lets are evaluated in. */
  home: Ctx | null;
}

export interface Dyn {
  xdoc: XDocument;
  /** Per-document results of context-free subexpressions (absolute paths and what is built on them). */
  memo: unknown[];
  globals: (Seq | undefined)[];
  globalFns: Fn[];
  globalBusy: boolean[];
  rootCtx: Ctx;
}

export interface Ctx {
  item: Item | undefined;
  pos: number;
  size: number;
  frame: Frame;
  dyn: Dyn;
}

export type Fn = (c: Ctx) => Seq;
export type BFn = (c: Ctx) => boolean;

export type VarRef = { kind: 'global'; idx: number } | { kind: 'let'; idx: number } | { kind: 'local'; idx: number };

/** Compile-time scope: variable names to slots. */
export class Scope {
  private vars = new Map<string, VarRef>();
  constructor(
    readonly parent: Scope | null,
    /** Shared slot counter of the frame this scope allocates in (null for the global scope). */
    readonly frameSlots: { n: number } | null,
  ) {}

  lookup(name: string): VarRef | undefined {
    return this.vars.get(name) ?? this.parent?.lookup(name);
  }

  define(name: string, ref: VarRef): void {
    this.vars.set(name, ref);
  }

  /** A child scope in the same frame. */
  child(): Scope {
    return new Scope(this, this.frameSlots);
  }

  alloc(): number {
    if (!this.frameSlots) throw new Error('No frame to allocate a variable in');
    return this.frameSlots.n++;
  }
}

export interface UserFunction {
  name: string;
  arity: number;
  paramTypes: (SeqType | null)[];
  resultType: SeqType | null;
  slots: { n: number };
  body: Fn | null;
}

export interface SeqType {
  atomic: string | null; // local name in xs, null for item()/node()
  node: boolean;
  occ: '' | '?' | '*' | '+';
}

/**
 * An xsl:key the schematron declares: the nodes its match pattern selects, indexed by the string value of
 * its use expression, built once per document on the first key() call (in the document's memo slot).
 */
export interface XslKey {
  /** Selects the nodes the match pattern matches, from the document root. */
  match: Fn | null;
  /** Evaluated with each matched node as the context item; a frame of `slots` slots. */
  use: Fn | null;
  slots: { n: number };
  memo: number;
}

export interface CompileEnv {
  functions: Map<string, UserFunction>;
  /** xsl:key declarations, by name: what key() reads. */
  keys?: Map<string, XslKey>;
}
