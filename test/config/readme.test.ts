import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { CONFIG_VARIABLES, type KnownVariable } from '../../src/config/index.js';

interface Row {
  names: string[];
  /** The backticked values of the default cell; none for `unset` or words such as "system resolvers". */
  defaults: string[];
  line: string;
}

const ticks = (cell: string) => [...cell.matchAll(/`([^`]*)`/g)].map((m) => m[1]!);

/** The variable rows under `heading`, up to the next heading of any level from 2 to 3. */
function rows(readme: string, heading: string): Row[] {
  const start = readme.indexOf(`\n${heading}\n`);
  assert.ok(start >= 0, `README has no heading "${heading}"`);
  const rest = readme.slice(start + heading.length + 2);
  const end = rest.search(/^#{2,3} /m);
  return (end < 0 ? rest : rest.slice(0, end))
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) => {
      const [names, defaults] = line.split('|').slice(1, 3) as [string, string];
      return { names: ticks(names), defaults: ticks(defaults), line };
    });
}

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const ROWS = [...rows(README, '## Configuration'), ...rows(README, '### Configuration of the access point roles')];
const KNOWN = new Map(CONFIG_VARIABLES.map((v) => [v.name, v]));

/** The row a variable missing from the README would need (its default, or the variable it falls back to). */
const rowFor = (v: KnownVariable) => `| \`${v.name}\` | ${v.default ?? v.fallback ? `\`${v.default ?? v.fallback}\`` : 'unset'} | ${v.description} |`;

describe('the README configuration tables', () => {
  it('name every variable the loader reads, each once and in full, and no other', () => {
    const listed = ROWS.flatMap((r) => r.names);
    for (const name of listed) assert.match(name, /^[A-Z][A-Z0-9_]*$/, `not a full variable name in the README: ${name}`);
    assert.deepEqual(listed.filter((n, i) => listed.indexOf(n) !== i), [], 'listed twice');
    const missing = CONFIG_VARIABLES.filter((v) => !listed.includes(v.name));
    assert.deepEqual(missing.map(rowFor), [], 'read by the loader, missing from the README');
    assert.deepEqual(listed.filter((n) => !KNOWN.has(n)), [], 'in the README, unknown to the loader');
  });

  it("give the loader's defaults, and say unset where it has none", () => {
    for (const row of ROWS) {
      const actual = row.names.map((n) => KNOWN.get(n)).map((v) => v?.default ?? v?.fallback);
      if (row.defaults.length === 0) assert.deepEqual(actual, row.names.map(() => undefined), row.line);
      else assert.deepEqual(actual, row.defaults, row.line);
    }
  });
});
