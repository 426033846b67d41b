/**
 * A large, valid invoice for benchmarks: the first line of a single-VAT-rate example repeated `lines`
 * times (ids 1..n), with the totals and the VAT breakdown recomputed exactly (integer cents).
 */
import { UblDoc } from './dom.js';

function cents(s: string | undefined): bigint {
  const m = /^\s*(-?)(\d+)(?:\.(\d{1,2}))?\s*$/.exec(s ?? '0');
  if (!m) throw new Error(`not an amount with at most 2 decimals: ${s}`);
  const v = BigInt(m[2]!) * 100n + BigInt((m[3] ?? '').padEnd(2, '0') || '0');
  return m[1] ? -v : v;
}

function amount(c: bigint): string {
  const neg = c < 0n;
  const a = neg ? -c : c;
  return `${neg ? '-' : ''}${a / 100n}.${String(a % 100n).padStart(2, '0')}`;
}

export function largeInvoice(baseXml: string, lines: number): string {
  const d = new UblDoc(baseXml);
  const all = d.all(d.L);
  if (all.length === 0 || d.all('cac:TaxTotal/cac:TaxSubtotal').length !== 1) throw new Error('the base needs lines and exactly one VAT rate');
  const template = all[0]!;
  for (const l of all.slice(1)) l.parentNode!.removeChild(l);
  let last = template;
  for (let i = 2; i <= lines; i++) {
    const copy = template.cloneNode(true) as Element;
    last.parentNode!.insertBefore(copy, last.nextSibling);
    last = copy;
  }
  for (const [i, l] of d.all(d.L).entries()) {
    const id = d.first('cbc:ID', l)!;
    while (id.firstChild) id.removeChild(id.firstChild);
    id.appendChild(d.doc.createTextNode(String(i + 1)));
  }
  const LMT = 'cac:LegalMonetaryTotal';
  const lineSum = cents(d.first('cbc:LineExtensionAmount', template)!.textContent ?? '') * BigInt(lines);
  const charges = cents(d.text(`${LMT}/cbc:ChargeTotalAmount`));
  const allowances = cents(d.text(`${LMT}/cbc:AllowanceTotalAmount`));
  const prepaid = cents(d.text(`${LMT}/cbc:PrepaidAmount`));
  const taxable = lineSum + charges - allowances;
  const pct = d.text('cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:Percent') ?? '0';
  const [pi, pf = ''] = pct.trim().split('.');
  const basisPoints = BigInt(pi!) * 100n + BigInt(pf.padEnd(2, '0').slice(0, 2) || '0');
  const tax = (taxable * basisPoints + 5000n) / 10000n; // half-up, amounts positive here
  d.set(`${LMT}/cbc:LineExtensionAmount`, amount(lineSum));
  d.set(`${LMT}/cbc:TaxExclusiveAmount`, amount(taxable));
  d.set(`${LMT}/cbc:TaxInclusiveAmount`, amount(taxable + tax));
  d.set(`${LMT}/cbc:PayableAmount`, amount(taxable + tax - prepaid));
  d.set('cac:TaxTotal/cbc:TaxAmount', amount(tax));
  d.set('cac:TaxTotal/cac:TaxSubtotal/cbc:TaxableAmount', amount(taxable));
  d.set('cac:TaxTotal/cac:TaxSubtotal/cbc:TaxAmount', amount(tax));
  return d.serialize();
}
