/**
 * The console's message catalogues: Dutch and French have exactly the English keys, no empty message,
 * the same placeholders, and are not English left untranslated; the language of a request follows
 * ?lang=, then the remembered choice, then Accept-Language.
 */
import assert from 'node:assert/strict';
import { CATALOGUES, CONSOLE_LANGUAGES, fromAcceptLanguage, translator } from '../../src/console/i18n.js';

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
// Identical in every language on purpose: protocol names and symbols.
const SAME_EVERYWHERE = /^(AS4 \w+|SBDH \w+|Message Level Status|Dashboard|Filters|Status|Id|Code|Actions|Document \{name\}|Total|Documents|\{count\} bytes|\{value\} s|operator)$/;

describe('console message catalogues', () => {
  const keys = Object.keys(CATALOGUES.en).sort();

  for (const lang of CONSOLE_LANGUAGES) {
    it(`${lang}: every key of the English catalogue and no other, none empty, the same placeholders`, () => {
      const catalogue = CATALOGUES[lang] as Record<string, string>;
      assert.deepEqual(Object.keys(catalogue).sort(), keys);
      for (const key of keys) {
        assert.ok(catalogue[key]!.trim().length > 0, `${lang} ${key} is empty`);
        assert.deepEqual(placeholders(catalogue[key]!), placeholders((CATALOGUES.en as Record<string, string>)[key]!), `${lang} ${key}`);
      }
    });
  }

  for (const lang of ['nl', 'fr'] as const) {
    it(`${lang}: no message is the English one left untranslated (names aside)`, () => {
      const same = keys.filter((k) => (CATALOGUES[lang] as Record<string, string>)[k] === (CATALOGUES.en as Record<string, string>)[k] && !SAME_EVERYWHERE.test((CATALOGUES.en as Record<string, string>)[k]!));
      assert.deepEqual(same, []);
    });
  }

  it('fills placeholders', () => {
    assert.equal(translator('fr')('search.results', { count: 3 }), 'Documents trouvés : 3');
    assert.equal(translator('nl')('report.goToLine', { line: 12 }), 'regel 12');
  });

  it('reads the browser languages in order of preference', () => {
    assert.equal(fromAcceptLanguage('fr-BE,fr;q=0.9,en;q=0.8'), 'fr');
    assert.equal(fromAcceptLanguage('de-DE, nl;q=0.5, en;q=0.7'), 'en');
    assert.equal(fromAcceptLanguage('de'), null);
    assert.equal(fromAcceptLanguage(undefined), null);
  });
});
