/**
 * Seeded random mutations: pick an element of the document and remove, duplicate, empty or alter it.
 * The generator is a pure function of (document, seed string), so a corpus regenerates identically.
 */
import type { UblDoc } from './dom.js';
import { elementChildren } from './dom.js';

/** mulberry32 over a 32-bit FNV-1a hash of the seed string. */
export function rng(seed: string): () => number {
  let h = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 0x01000193);
  let a = h >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CODE_POOLS: string[][] = [
  ['S', 'Z', 'E', 'AE', 'K', 'G', 'O', 'L', 'M', 'B', 'X'],
  ['EUR', 'SEK', 'NOK', 'DKK', 'USD', 'GBP', 'XXX', 'eur'],
  ['SE', 'NO', 'DK', 'DE', 'NL', 'IT', 'GR', 'IS', 'BE', 'GB', 'XX'],
  ['380', '381', '383', '384', '389', '326', '751', '50', '396', '999'],
  ['30', '31', '42', '48', '49', '57', '58', '59', '1', '97', 'ZZZ'],
  ['VAT', 'vat', 'GST', 'TAX'],
];

function allElements(root: Element): Element[] {
  const out: Element[] = [];
  const walk = (e: Element): void => {
    out.push(e);
    for (const c of elementChildren(e)) walk(c);
  };
  walk(root);
  return out;
}

function isLeaf(e: Element): boolean {
  return elementChildren(e).length === 0;
}

function setText(e: Element, v: string): void {
  while (e.firstChild) e.removeChild(e.firstChild);
  if (v !== '') e.appendChild(e.ownerDocument!.createTextNode(v));
}

/** Adds `cents` hundredths to a decimal string exactly (no floating point). */
export function addCents(value: string, cents: number | bigint): string | null {
  const m = /^\s*(-?)(\d+)(?:\.(\d+))?\s*$/.exec(value);
  if (!m) return null;
  const frac = (m[3] ?? '').padEnd(2, '0');
  const scale = frac.length;
  let n = BigInt(m[2]! + frac) * (m[1] ? -1n : 1n);
  n += BigInt(cents) * 10n ** BigInt(scale - 2);
  const neg = n < 0n;
  const s = (neg ? -n : n).toString().padStart(scale + 1, '0');
  return `${neg ? '-' : ''}${s.slice(0, s.length - scale)}.${s.slice(s.length - scale)}`;
}

type Op = (d: UblDoc, e: Element, r: () => number) => boolean;

const pick = <T>(xs: T[], r: () => number): T => xs[Math.floor(r() * xs.length)]!;

const OPS: Op[] = [
  // remove
  (_d, e) => (e.parentNode ? (e.parentNode.removeChild(e), true) : false),
  // duplicate
  (_d, e) => (e.parentNode ? (e.parentNode.insertBefore(e.cloneNode(true), e.nextSibling), true) : false),
  // empty a leaf
  (_d, e) => (isLeaf(e) ? (setText(e, ''), true) : false),
  // amounts: a cent, a sign, a third decimal
  (_d, e, r) => {
    if (!isLeaf(e)) return false;
    const t = e.textContent ?? '';
    const v = pick([addCents(t, 1), addCents(t, -1), addCents(t, 100), t.startsWith('-') ? t.slice(1) : `-${t}`, `${t.includes('.') ? t : `${t}.0`}01`], r);
    if (v === null || !/\d/.test(t)) return false;
    setText(e, v);
    return true;
  },
  // codes: swap within the pool the value belongs to
  (_d, e, r) => {
    if (!isLeaf(e)) return false;
    const t = (e.textContent ?? '').trim();
    const pool = CODE_POOLS.find((p) => p.includes(t));
    if (!pool) return false;
    setText(e, pick(pool.filter((c) => c !== t), r));
    return true;
  },
  // attributes: currencyID, schemeID, unitCode
  (_d, e, r) => {
    for (const a of ['currencyID', 'schemeID', 'unitCode', 'listID', 'mimeCode']) {
      if (e.hasAttribute(a)) {
        const v = pick(a === 'currencyID' ? ['SEK', 'XXX', 'USD', ''] : a === 'schemeID' ? ['0088', '0192', '0208', '9999', '0007', ''] : ['XYZ', 'EA', ''], r);
        if (v === '' && r() < 0.5) e.removeAttribute(a);
        else e.setAttribute(a, v);
        return true;
      }
    }
    return false;
  },
  // dates: an impossible one or a shifted year
  (_d, e, r) => {
    const t = (e.textContent ?? '').trim();
    if (!isLeaf(e) || !/^\d{4}-\d{2}-\d{2}$/.test(t)) return false;
    setText(e, pick([`${Number(t.slice(0, 4)) + 1}${t.slice(4)}`, `${Number(t.slice(0, 4)) - 5}${t.slice(4)}`, `${t.slice(0, 5)}13-01`, `${t}Z`, t.replace(/-/g, '')], r));
    return true;
  },
  // add a line (copy of a random existing line)
  (d, _e, r) => {
    const lines = d.all(d.L);
    if (lines.length === 0) return false;
    const src = pick(lines, r);
    const copy = src.cloneNode(true) as Element;
    const last = lines[lines.length - 1]!;
    last.parentNode!.insertBefore(copy, last.nextSibling);
    if (r() < 0.5) {
      const id = d.first('cbc:ID', copy);
      if (id) setText(id, `${lines.length + 1}`);
    }
    return true;
  },
];

/** Applies 1 to 3 random operations; returns false when none applied. */
export function randomMutation(d: UblDoc, seed: string): boolean {
  const r = rng(seed);
  const els = allElements(d.root).slice(1);
  const rounds = 1 + Math.floor(r() * 3);
  let applied = 0;
  for (let i = 0; i < rounds; i++) {
    for (let tries = 0; tries < 20; tries++) {
      const op = pick(OPS, r);
      const live = allElements(d.root).slice(1);
      const e = pick(live.length ? live : els, r);
      if (op(d, e, r)) {
        applied++;
        break;
      }
    }
  }
  return applied > 0;
}
