/**
 * The explanation catalogue (src/validation/explain/*.json) names only rules the installed rule sets
 * have, covers the rules that fire most on real traffic, and every language has every entry, with the
 * same placeholders, and every business term a rule names.
 */
import assert from 'node:assert/strict';
import { COMPUTED, LANGUAGE_FILES, RULES, type Entry, type Template } from '../../src/validation/explain/catalogue.js';
import { readRuleSets } from '../../src/validation/rule-sets.js';
import { loadSchematron } from '../../src/validation/schematron/load.js';
import { LANGUAGES } from '../../src/validation/types.js';
import { SCHEMATRON_DIR } from '../support/artifacts.js';

/** Every assert of every installed release: id, and the official message's text parts. */
function shippedRules(): Map<string, string> {
  const rules = new Map<string, string>();
  for (const releases of readRuleSets(SCHEMATRON_DIR).values())
    for (const r of releases)
      for (const { layer, file } of r.layers)
        for (const p of loadSchematron(file, layer).patterns)
          for (const rule of p.rules) for (const a of rule.asserts) rules.set(a.id, a.message.filter((m): m is string => typeof m === 'string').join(''));
  return rules;
}

const templates = (e: Entry): [string, Template][] => ('checks' in e ? Object.entries(e.checks) : [['', e]]);
const placeholders = (t: Template): string[] => [...new Set([...`${t.text} ${t.fix}`.matchAll(/\{([A-Za-z]+)\}/g)].map((m) => m[1]!))].sort();

describe('explanation catalogue', () => {
  const shipped = shippedRules();

  it('explains at least 60 rules, among them the first cause of B2G rejections', () => {
    const ids = Object.keys(RULES.rules);
    assert.ok(ids.length >= 60, `${ids.length} rules explained`);
    for (const id of ['PEPPOL-EN16931-R003', 'BR-CO-14', 'PEPPOL-COMMON-R043', 'BR-S-08', 'BR-CO-10', 'PEPPOL-EN16931-R010', 'BR-AE-02']) assert.ok(ids.includes(id), id);
  });

  it('names only rule ids of the installed rule sets, and families that match some', () => {
    assert.ok(shipped.size > 1000, `${shipped.size} rules installed`);
    assert.deepEqual(Object.keys(RULES.rules).filter((id) => !shipped.has(id)), []);
    for (const [name, f] of Object.entries(RULES.families)) {
      const members = [...shipped.keys()].filter((id) => new RegExp(f.pattern).test(id));
      assert.ok(members.length > 0, `family ${name} matches no installed rule`);
      // The element the family's texts name is read from each member's official message.
      if (f.element) assert.deepEqual(members.filter((id) => !new RegExp(f.element!).test(shipped.get(id)!)), [], `${name}: messages the element is not read from`);
    }
  });

  it('has every entry in every language, and nothing more', () => {
    for (const lang of LANGUAGES) {
      const file = LANGUAGE_FILES[lang];
      assert.deepEqual(Object.keys(file.rules).sort(), Object.keys(RULES.rules).sort(), `${lang}: rules`);
      assert.deepEqual(Object.keys(file.families).sort(), Object.keys(RULES.families).sort(), `${lang}: families`);
      assert.deepEqual(Object.keys(file.xsd).sort(), Object.keys(LANGUAGE_FILES.en.xsd).sort(), `${lang}: XSD checks`);
      for (const [id, e] of Object.entries(file.rules)) {
        const en = LANGUAGE_FILES.en.rules[id]!;
        assert.deepEqual(templates(e).map(([c]) => c), templates(en).map(([c]) => c), `${lang} ${id}: checks`);
      }
    }
  });

  it('uses in every language the placeholders English uses, and only ones the facts provide', () => {
    const known = new Set(['field', 'value', 'term', 'element', 'message', 'type', 'suggestion', 'expected', 'attribute', 'detail', 'length', 'checkDigits', 'base']);
    const computedNames = ['taxTotal', 'categoriesSum', 'lineExtension', 'linesSum', 'taxExclusive', 'allowances', 'charges', 'taxInclusive', 'payable', 'prepaid', 'rounding', 'taxable', 'rate', 'tax', 'lineAmount', 'quantity', 'price', 'baseQuantity', 'category'];
    for (const n of computedNames) known.add(n);
    assert.ok(COMPUTED.length > 0);
    for (const lang of LANGUAGES) {
      const file = LANGUAGE_FILES[lang];
      const all: [string, Template, Template][] = [
        ...Object.entries(file.rules).flatMap(([id, e]) => templates(e).map(([c, t], i): [string, Template, Template] => [`${id} ${c}`, t, templates(LANGUAGE_FILES.en.rules[id]!)[i]![1]])),
        ...Object.entries(file.families).map(([k, t]): [string, Template, Template] => [k, t, LANGUAGE_FILES.en.families[k]!]),
        ...Object.entries(file.xsd).map(([k, t]): [string, Template, Template] => [`XSD ${k}`, t, LANGUAGE_FILES.en.xsd[k]!]),
      ];
      for (const [what, t, en] of all) {
        assert.ok(t.text.trim() && t.fix.trim(), `${lang} ${what}: empty`);
        assert.deepEqual(placeholders(t), placeholders(en), `${lang} ${what}: placeholders differ from English`);
        assert.deepEqual(placeholders(t).filter((p) => !known.has(p)), [], `${lang} ${what}: unknown placeholders`);
      }
    }
  });

  it('names, in every language, every business term the catalogue or an installed billing rule refers to', () => {
    const terms = new Set<string>([...Object.values(RULES.rules).flatMap((r) => (r.term ? [r.term] : [])), ...Object.values(RULES.fields)]);
    for (const [id, message] of shipped) if (!/^(PEPPOL-T111|SCH-MLS)/.test(id)) for (const m of message.matchAll(/\bB[TG]-\d+\b/g)) terms.add(m[0]);
    assert.ok(terms.size > 100, `${terms.size} terms`);
    for (const lang of LANGUAGES) assert.deepEqual([...terms].filter((t) => !LANGUAGE_FILES[lang].terms[t]), [], `${lang}: terms without a name`);
  });
});
