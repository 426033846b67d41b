/**
 * Reads a Prometheus text exposition (format 0.0.4) strictly, for the metrics tests: every sample under a
 * `# TYPE` of its family, names and labels as the format allows, histograms whole (cumulative buckets
 * ending in +Inf, equal to _count). parse-prometheus-text-format, the independent reader, must agree on the
 * families and their types; it is not used for the samples because it merges the series of a labelled
 * histogram into one.
 */
import assert from 'node:assert/strict';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';

export interface Series {
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  help: string;
  /** By sample name (`x`, or `x_bucket`, `x_sum`, `x_count` of a histogram). */
  samples: Map<string, Series[]>;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? ([^ ]+)(?: (-?\d+))?$/;
const LABEL = /\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(?:,|$)/y;

function value(text: string): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN') return NaN;
  assert.match(text, /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/, `not a sample value: ${text}`);
  return Number(text);
}

function labels(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!text) return out;
  LABEL.lastIndex = 0;
  while (LABEL.lastIndex < text.length) {
    const m = LABEL.exec(text);
    assert.ok(m, `bad labels: {${text}}`);
    assert.ok(!(m[1]! in out), `label ${m[1]} twice`);
    out[m[1]!] = m[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
  }
  return out;
}

const key = (l: Record<string, string>, without: string) =>
  JSON.stringify(Object.entries(l).filter(([k]) => k !== without).sort(([a], [b]) => a.localeCompare(b)));

function checkHistogram(name: string, f: Family): void {
  const counts = new Map((f.samples.get(`${name}_count`) ?? []).map((s) => [key(s.labels, ''), s.value]));
  const bySeries = new Map<string, Series[]>();
  for (const b of f.samples.get(`${name}_bucket`) ?? []) {
    assert.ok('le' in b.labels, `${name}_bucket without le`);
    bySeries.set(key(b.labels, 'le'), [...(bySeries.get(key(b.labels, 'le')) ?? []), b]);
  }
  assert.equal(bySeries.size, counts.size, `${name}: a series of buckets for each _count`);
  for (const [series, buckets] of bySeries) {
    const bounds = buckets.map((b) => value(b.labels['le']!));
    assert.deepEqual(bounds, [...bounds].sort((a, b) => a - b), `${name}${series}: buckets in order`);
    assert.equal(bounds.at(-1), Infinity, `${name}${series}: ends with le="+Inf"`);
    for (let i = 1; i < buckets.length; i++) assert.ok(buckets[i]!.value >= buckets[i - 1]!.value, `${name}${series}: cumulative buckets`);
    assert.equal(buckets.at(-1)!.value, counts.get(series), `${name}${series}: +Inf bucket = _count`);
  }
}

export function parseExposition(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  let current: { name: string; family: Family } | null = null;
  const suffixes = { histogram: ['_bucket', '_sum', '_count'], summary: ['', '_sum', '_count'], counter: [''], gauge: [''], untyped: [''] };
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const meta = /^# (HELP|TYPE) ([^ ]+) ?(.*)$/.exec(line);
    if (meta) {
      const [, what, name, rest] = meta as unknown as [string, string, string, string];
      assert.match(name, NAME);
      if (what === 'HELP') {
        assert.ok(!families.has(name), `family ${name} twice`);
        current = { name, family: { type: 'untyped', help: rest, samples: new Map() } };
        families.set(name, current.family);
      } else {
        assert.ok(current && current.name === name, `# TYPE ${name} right after its HELP`);
        assert.ok(rest in suffixes, `type ${rest}`);
        current.family.type = rest as Family['type'];
      }
      continue;
    }
    if (line.startsWith('#')) continue;
    const m = SAMPLE.exec(line);
    assert.ok(m, `not a sample line: ${line}`);
    assert.ok(current, `sample before any family: ${line}`);
    const sampleName = m[1]!;
    assert.ok(suffixes[current.family.type].some((s) => sampleName === `${current!.name}${s}`), `${sampleName} outside its family ${current.name}`);
    const series = current.family.samples.get(sampleName) ?? [];
    series.push({ labels: labels(m[2]), value: value(m[3]!) });
    current.family.samples.set(sampleName, series);
  }
  for (const [name, f] of families) if (f.type === 'histogram') checkHistogram(name, f);
  // The independent reader sees the same families, of the same types.
  const theirs = parsePrometheusTextFormat(text).map((f) => [f.name, f.type.toLowerCase()]);
  assert.deepEqual(theirs, [...families].map(([name, f]) => [name, f.type]));
  return families;
}

/** The value of the series of `sample` with exactly these labels (besides any not named); undefined when absent. */
export function sampleValue(families: Map<string, Family>, family: string, sample: string, labels: Record<string, string> = {}): number | undefined {
  const series = families.get(family)?.samples.get(sample) ?? [];
  return series.find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}
