/**
 * Reads the asserts of a schematron file (rule context, id, flag, test) for the mutation generator and
 * the coverage figure. Only what test tooling needs: no evaluation happens here.
 */
import { parseDom } from '../../xml/safe.js';

const SCH = 'http://purl.oclc.org/dsdl/schematron';

export interface SchAssert {
  id: string;
  flag: string;
  test: string;
  context: string;
}

export function readSchAsserts(schText: string): SchAssert[] {
  const doc = parseDom(schText);
  const out: SchAssert[] = [];
  const rules = doc.getElementsByTagNameNS(SCH, 'rule');
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i]!;
    const context = rule.getAttribute('context') ?? '';
    for (let c = rule.firstChild; c; c = c.nextSibling) {
      if (c.nodeType !== 1) continue;
      const el = c as Element;
      if (el.namespaceURI !== SCH || (el.localName !== 'assert' && el.localName !== 'report')) continue;
      out.push({ id: el.getAttribute('id') ?? '', flag: el.getAttribute('flag') ?? '', test: el.getAttribute('test') ?? '', context });
    }
  }
  return out;
}

/** Distinct rule ids of a set of asserts, in document order. */
export function ruleIds(asserts: SchAssert[]): string[] {
  return [...new Set(asserts.map((a) => a.id))];
}
