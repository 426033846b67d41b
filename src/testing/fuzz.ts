/**
 * Property-based fuzzing of the parsers that read what other parties send (fast-check): inputs are seeds
 * (valid messages) mutated the ways hostile or broken senders mutate them, and plain random bytes. The
 * property is the one an access point owes: every input either passes or fails with an ApError (never
 * another exception), each within a time bound, and memory stays bounded over the whole run.
 */
import fc from 'fast-check';
import { ApError } from '../errors.js';

export interface FuzzTarget {
  name: string;
  /** Valid inputs to mutate (built once). */
  seeds: Buffer[];
  /** Reads one input; may throw only ApError. `false` is a refusal given as an answer (an invalid report). */
  run(input: Buffer): unknown;
}

export interface FuzzOptions {
  /** How long to fuzz this target. */
  timeMs: number;
  /** One input may take at most this long (a hang or a blow-up is a failure). */
  maxInputMs: number;
  /** RSS growth over the run that counts as unbounded memory. */
  maxRssGrowthBytes: number;
  seed?: number;
}

export interface FuzzResult {
  target: string;
  runs: number;
  accepted: number;
  refused: number;
  slowestMs: number;
  rssGrowthBytes: number;
  /** The first property failure (a non-ApError, or an input past maxInputMs), with the input that caused it. */
  failure: string | null;
}

/** Fragments hostile senders put into XML and MIME: DTDs and entities, deep nesting, boundaries, NULs, wrong encodings. */
const HOSTILE = [
  '<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>',
  '<!DOCTYPE r SYSTEM "http://127.0.0.1:9/x.dtd">',
  '&b;',
  '<a>'.repeat(2000),
  '</a>'.repeat(50),
  ' x:a="1"'.repeat(300),
  ' xmlns:p="urn:p"'.repeat(200),
  '<?xml version="1.0" encoding="UTF-16"?>',
  '\u0000',
  '\uFEFF',
  ']]>',
  '<![CDATA[',
  '\r\n--',
  '\r\n\r\n',
  'Content-Type: multipart/related; boundary=',
  'Content-Transfer-Encoding: base64\r\n',
  '\r\n--MIMEBoundary\r\n'.repeat(50),
  '=?UTF-8?B?',
  '\xff\xfe',
].map((s) => Buffer.from(s, 'latin1'));

type Mutation = (b: Buffer) => Buffer;

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })).map(([at, byte]): Mutation => (b) => {
    if (b.length === 0) return b;
    const c = Buffer.from(b);
    c[at % c.length] = byte;
    return c;
  }),
  fc.tuple(fc.nat(), fc.nat({ max: 512 })).map(([at, n]): Mutation => (b) => Buffer.concat([b.subarray(0, at % (b.length + 1)), b.subarray((at % (b.length + 1)) + n)])),
  fc.nat().map((at): Mutation => (b) => b.subarray(0, at % (b.length + 1))),
  fc.tuple(fc.nat(), fc.nat({ max: 256 }), fc.integer({ min: 1, max: 20 })).map(([at, n, times]): Mutation => (b) => {
    const i = at % (b.length + 1);
    const slice = b.subarray(i, i + n);
    return Buffer.concat([b.subarray(0, i), ...Array.from({ length: times }, () => slice), b.subarray(i)]);
  }),
  fc.tuple(fc.nat(), fc.constantFrom(...HOSTILE)).map(([at, frag]): Mutation => (b) => {
    const i = at % (b.length + 1);
    return Buffer.concat([b.subarray(0, i), frag, b.subarray(i)]);
  }),
);

export function fuzzInput(seeds: readonly Buffer[]): fc.Arbitrary<Buffer> {
  const mutated = fc
    .tuple(fc.constantFrom(...seeds), fc.array(mutation, { minLength: 1, maxLength: 6 }))
    .map(([seed, ms]) => ms.reduce((b, m) => m(b), seed));
  const random = fc.uint8Array({ maxLength: 4096 }).map((a) => Buffer.from(a));
  return fc.oneof({ weight: 4, arbitrary: mutated }, { weight: 1, arbitrary: random });
}

export async function fuzz(target: FuzzTarget, options: FuzzOptions): Promise<FuzzResult> {
  const result: FuzzResult = { target: target.name, runs: 0, accepted: 0, refused: 0, slowestMs: 0, rssGrowthBytes: 0, failure: null };
  const rssBefore = process.memoryUsage().rss;
  const property = fc.asyncProperty(fuzzInput(target.seeds), async (input) => {
    result.runs++;
    const t0 = performance.now();
    try {
      if ((await target.run(input)) === false) result.refused++;
      else result.accepted++;
    } catch (err) {
      if (!(err instanceof ApError)) throw new Error(`not an ApError: ${(err as Error)?.stack ?? String(err)}`);
      result.refused++;
    }
    const ms = performance.now() - t0;
    result.slowestMs = Math.max(result.slowestMs, ms);
    if (ms > options.maxInputMs) throw new Error(`one input took ${ms.toFixed(0)} ms (bound ${options.maxInputMs} ms)`);
  });
  const details = await fc.check(property, {
    numRuns: Number.MAX_SAFE_INTEGER,
    interruptAfterTimeLimit: options.timeMs,
    markInterruptAsFailure: false,
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
  });
  if (details.failed) {
    const input = details.counterexample?.[0] as Buffer | undefined;
    result.failure = `${String((details.errorInstance as Error | undefined)?.message ?? details.errorInstance)}; seed ${details.seed}; input (${input?.length ?? 0} bytes, base64) ${input?.subarray(0, 2048).toString('base64') ?? ''}`;
  }
  result.rssGrowthBytes = process.memoryUsage().rss - rssBefore;
  if (!result.failure && result.rssGrowthBytes > options.maxRssGrowthBytes) {
    result.failure = `RSS grew ${(result.rssGrowthBytes / 2 ** 20).toFixed(0)} MiB over ${result.runs} inputs (bound ${(options.maxRssGrowthBytes / 2 ** 20).toFixed(0)} MiB)`;
  }
  return result;
}
