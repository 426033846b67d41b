/**
 * One-off evaluation of an XPath expression against a parsed document, through the same compiler the
 * rules use (for tests, debugging and tools; the validator compiles everything once instead).
 */
import type { XDocument } from '../dom.js';
import { Compiler } from './compile.js';
import { type Ctx, type Dyn, type Frame, Scope } from './context.js';
import { parseXPath } from './parser.js';
import type { Seq } from './values.js';

export function evaluateXPath(expr: string, xdoc: XDocument, ns: Record<string, string> = {}): Seq {
  const compiler = new Compiler({ functions: new Map() });
  const scope = new Scope(null, { n: 0 });
  const f = compiler.seq(parseXPath(expr, { xs: 'http://www.w3.org/2001/XMLSchema', ...ns }), scope);
  const frame: Frame = { v: new Array(scope.frameSlots!.n), lets: null, home: null };
  const dyn: Dyn = { xdoc, memo: new Array(compiler.memoCount), globals: [], globalFns: [], globalBusy: [], rootCtx: undefined as unknown as Ctx };
  dyn.rootCtx = { item: xdoc.doc, pos: 1, size: 1, frame, dyn };
  return f(dyn.rootCtx);
}
