/**
 * The layout both renderings paint: the document's content in the reader's language, as headed blocks
 * of plain text (parties, label/value facts, tables, totals, paragraphs, attachments). html.ts and pdf.ts
 * only paint it, so the two never disagree on what a document shows.
 */
import { formatAmount, formatDate, formatDecimal, formatIban, formatPercent, structuredCommunication, type RenderLanguage } from './format.js';
import { codeName, codeWithName, word, type WordKey } from './labels.js';
import type { Address, AllowanceCharge, AttachmentRef, BillingDocument, Identifier, InvoiceLine, InvoiceResponseDocument, Party, Period, RenderableDocument } from './model.js';

export interface Fact {
  label: string;
  value: string;
}

/** A table cell: its main text, and smaller lines under it (item details, line allowances). */
export interface Cell {
  main: string;
  sub?: string[];
}

export interface Column {
  label: string;
  align: 'left' | 'right';
  /** Share of the table's width, the shares of a table adding up to 1. */
  width: number;
}

export type Block =
  | { kind: 'parties'; parties: { heading: string; name: string; facts: Fact[] }[] }
  | { kind: 'facts'; heading: string; facts: Fact[] }
  | { kind: 'table'; heading: string; columns: Column[]; rows: Cell[][] }
  | { kind: 'totals'; heading: string; rows: (Fact & { strong?: boolean })[] }
  | { kind: 'paragraphs'; heading: string; paragraphs: string[] }
  | { kind: 'attachments'; heading: string; items: { index: number; name: string; detail: string; embedded: boolean }[] };

export interface View {
  lang: RenderLanguage;
  /** "Invoice", "Credit note", "Invoice response". */
  title: string;
  number: string;
  notice: string;
  blocks: Block[];
}

const fact = (label: string, value: string | undefined): Fact[] => (value === undefined || value === '' ? [] : [{ label, value }]);

function identifierText(i: Identifier | undefined): string | undefined {
  return i && (i.scheme ? `${i.scheme}:${i.value}` : i.value);
}

function addressLines(a: Address | undefined): string[] {
  if (!a) return [];
  const city = [a.postalZone, a.city].filter(Boolean).join(' ');
  return [...a.lines, city, a.subdivision, a.country].filter((l): l is string => !!l);
}

function periodText(p: Period | undefined, lang: RenderLanguage): string | undefined {
  if (!p || (!p.start && !p.end)) return undefined;
  return `${formatDate(p.start, lang)} – ${formatDate(p.end, lang)}`.trim();
}

function partyBlock(heading: string, p: Party, lang: RenderLanguage): { heading: string; name: string; facts: Fact[] } {
  const w = (k: WordKey): string => word(k, lang);
  const address = addressLines(p.address);
  return {
    heading,
    name: p.name ?? '',
    facts: [
      ...fact(w('tradingName'), p.tradingName),
      ...(address.length ? [{ label: '', value: address.join('\n') }] : []),
      ...fact(w('vatNumber'), p.vatNumber),
      ...fact(w('legalId'), identifierText(p.legalId)),
      ...fact(w('taxNumber'), p.taxNumber),
      ...fact(w('legalForm'), p.legalForm),
      ...p.identifiers.flatMap((i) => fact(w('identifier'), identifierText(i))),
      ...fact(w('endpoint'), identifierText(p.endpoint)),
      ...fact(w('contact'), [p.contact.name, p.contact.telephone, p.contact.email].filter(Boolean).join(', ')),
    ],
  };
}

function allowanceChargeText(ac: AllowanceCharge, lang: RenderLanguage): string {
  const what = word(ac.charge ? 'charge' : 'allowance', lang);
  const reason = [ac.reason, ac.reasonCode && `(${ac.reasonCode})`].filter(Boolean).join(' ');
  const base = ac.percent !== undefined ? ` (${formatPercent(ac.percent, lang)} ${word('base', lang)} ${formatAmount(ac.baseAmount, lang)})` : '';
  return `${what}${reason ? `: ${reason}` : ''}${base}`;
}

function vatText(category: string | undefined, rate: string | undefined, lang: RenderLanguage): string {
  return [category, rate !== undefined ? formatPercent(rate, lang) : undefined].filter(Boolean).join(' ');
}

function lineRow(l: InvoiceLine, lang: RenderLanguage): Cell[] {
  const w = (k: WordKey): string => word(k, lang);
  const sub = [
    l.itemDescription,
    l.sellersItemId && `${w('sellersItemId')}: ${l.sellersItemId}`,
    l.buyersItemId && `${w('buyersItemId')}: ${l.buyersItemId}`,
    l.standardItemId && `${w('standardItemId')}: ${identifierText(l.standardItemId)}`,
    ...l.classifications.map((c) => `${w('classification')}: ${identifierText(c)}`),
    l.originCountry && `${w('origin')}: ${l.originCountry}`,
    ...l.properties.map((p) => `${p.name}: ${p.value}`),
    periodText(l.period, lang),
    l.orderLineReference && `${w('orderLine')}: ${l.orderLineReference}`,
    l.accountingCost && `${w('accountingCost')}: ${l.accountingCost}`,
    l.note,
    // Amounts as the document has them: an allowance is named one, never given a sign it does not carry.
    ...l.allowanceCharges.map((ac) => `${allowanceChargeText(ac, lang)}: ${formatAmount(ac.amount, lang)}`),
  ].filter((s): s is string => !!s);
  const unit = codeName('unit', l.unitCode, lang) ?? l.unitCode;
  const priceSub = [
    l.baseQuantity !== undefined && l.baseQuantity !== '1' ? `${w('per')} ${formatDecimal(l.baseQuantity, lang)} ${codeName('unit', l.baseQuantityUnit, lang) ?? l.baseQuantityUnit ?? ''}`.trim() : undefined,
    l.grossPrice && `${w('grossPrice')} ${formatAmount(l.grossPrice, lang)}`,
    l.priceDiscount && `${w('priceDiscount')} ${formatAmount(l.priceDiscount, lang)}`,
  ].filter((s): s is string => !!s);
  return [
    { main: l.id },
    { main: l.itemName ?? '', sub },
    { main: `${formatDecimal(l.quantity, lang)} ${unit ?? ''}`.trim() },
    { main: formatDecimal(l.price?.value, lang), sub: priceSub },
    { main: vatText(l.vatCategory, l.vatRate, lang) },
    { main: formatDecimal(l.amount.value, lang) },
  ];
}

function referenceFacts(d: BillingDocument, lang: RenderLanguage): Fact[] {
  return d.references.map((r) => ({
    label: word(r.kind, lang),
    value: [r.scheme ? `${r.scheme}:${r.id}` : r.id, r.issueDate && `(${formatDate(r.issueDate, lang)})`].filter(Boolean).join(' '),
  }));
}

function attachmentBlock(attachments: AttachmentRef[], lang: RenderLanguage): Block[] {
  if (attachments.length === 0) return [];
  return [
    {
      kind: 'attachments',
      heading: word('attachments', lang),
      items: attachments.map((a) => ({
        index: a.index,
        name: [a.id, a.filename && a.filename !== a.id ? a.filename : undefined].filter(Boolean).join(' · '),
        detail: [
          a.description,
          a.mimeCode,
          a.size !== undefined ? `${formatDecimal(String(a.size), lang)} ${word('bytes', lang)}, ${word('attachmentEmbedded', lang)}` : undefined,
          a.uri && `${a.uri} (${word('attachmentExternal', lang)})`,
        ]
          .filter(Boolean)
          .join(' · '),
        embedded: a.size !== undefined,
      })),
    },
  ];
}

function billingView(d: BillingDocument, lang: RenderLanguage): View {
  const w = (k: WordKey): string => word(k, lang);
  const c = d.currency;
  const paymentFacts = d.paymentMeans.flatMap((m): Fact[] => {
    const ogm = m.paymentId ? structuredCommunication(m.paymentId) : null;
    return [
      ...fact(w('paymentMeans'), m.code ? `${codeName('paymentMeans', m.code, lang) ?? m.codeName ?? ''} (${m.code})`.trim() : m.codeName),
      ...fact(ogm ? w('structuredCommunication') : w('paymentId'), ogm ?? m.paymentId),
      ...fact(w('iban'), m.iban && formatIban(m.iban)),
      ...fact(w('accountName'), m.accountName),
      ...fact(w('bic'), m.bic),
      ...fact(w('card'), [m.cardNumber, m.cardHolder].filter(Boolean).join(', ')),
      ...fact(w('mandate'), m.mandateId),
      ...fact(w('debitedAccount'), m.debitedAccount && formatIban(m.debitedAccount)),
    ];
  });
  const t = d.totals;
  const amountRow = (key: WordKey, a: typeof t.payable, strong = false): (Fact & { strong?: boolean })[] =>
    a ? [{ label: w(key), value: formatAmount({ value: a.value, currency: a.currency ?? c }, lang), ...(strong ? { strong } : {}) }] : [];
  const blocks: Block[] = [
    {
      kind: 'parties',
      parties: [
        partyBlock(w('seller'), d.seller, lang),
        partyBlock(w('buyer'), d.buyer, lang),
        ...(d.payee ? [partyBlock(w('payee'), d.payee, lang)] : []),
        ...(d.taxRepresentative ? [partyBlock(w('taxRepresentative'), d.taxRepresentative, lang)] : []),
      ],
    },
    {
      kind: 'facts',
      heading: w('references'),
      facts: [
        ...fact(w('documentType'), codeWithName('documentType', d.typeCode, lang)),
        ...fact(w('issueDate'), formatDate(d.issueDate, lang)),
        ...fact(w('dueDate'), formatDate(d.dueDate, lang)),
        ...fact(w('taxPointDate'), formatDate(d.taxPointDate, lang)),
        ...fact(w('period'), periodText(d.period, lang)),
        ...fact(w('currency'), c),
        ...fact(w('taxCurrency'), d.taxCurrency),
        ...fact(w('buyerReference'), d.buyerReference),
        ...referenceFacts(d, lang),
        ...fact(w('accountingCost'), d.accountingCost),
      ],
    },
  ];
  if (d.delivery) {
    blocks.push({
      kind: 'facts',
      heading: w('delivery'),
      facts: [
        ...fact(w('deliveryDate'), formatDate(d.delivery.date, lang)),
        ...fact(w('deliverTo'), d.delivery.partyName),
        ...fact(w('deliveryLocation'), [identifierText(d.delivery.locationId), ...addressLines(d.delivery.address)].filter(Boolean).join('\n')),
      ],
    });
  }
  blocks.push({
    kind: 'table',
    heading: w('lines'),
    columns: [
      { label: w('lineNo'), align: 'left', width: 0.07 },
      { label: w('description'), align: 'left', width: 0.39 },
      { label: w('quantity'), align: 'right', width: 0.12 },
      { label: c ? `${w('unitPrice')} (${c})` : w('unitPrice'), align: 'right', width: 0.15 },
      { label: w('vat'), align: 'right', width: 0.09 },
      { label: c ? `${w('lineAmount')} (${c})` : w('lineAmount'), align: 'right', width: 0.18 },
    ],
    rows: d.lines.map((l) => lineRow(l, lang)),
  });
  if (d.allowanceCharges.length) {
    blocks.push({
      kind: 'table',
      heading: w('allowancesCharges'),
      columns: [
        { label: w('description'), align: 'left', width: 0.64 },
        { label: w('vat'), align: 'right', width: 0.14 },
        { label: w('amount'), align: 'right', width: 0.22 },
      ],
      rows: d.allowanceCharges.map((ac) => [
        { main: allowanceChargeText(ac, lang) },
        { main: vatText(ac.vatCategory, ac.vatRate, lang) },
        { main: formatAmount(ac.amount, lang) },
      ]),
    });
  }
  if (d.vatBreakdown.length) {
    blocks.push({
      kind: 'table',
      heading: w('vatBreakdown'),
      columns: [
        { label: w('vatCategory'), align: 'left', width: 0.46 },
        { label: w('vatRate'), align: 'right', width: 0.12 },
        { label: w('taxableAmount'), align: 'right', width: 0.21 },
        { label: w('taxAmount'), align: 'right', width: 0.21 },
      ],
      rows: d.vatBreakdown.map((v) => [
        { main: codeWithName('vatCategory', v.category, lang), sub: [v.exemptionReason, v.exemptionReasonCode].filter((s): s is string => !!s) },
        { main: formatPercent(v.rate, lang) },
        { main: formatAmount(v.taxableAmount, lang) },
        { main: formatAmount(v.taxAmount, lang) },
      ]),
    });
  }
  blocks.push({
    kind: 'totals',
    heading: w('totals'),
    rows: [
      ...amountRow('totalLines', t.lineExtension),
      ...amountRow('totalAllowances', t.allowances),
      ...amountRow('totalCharges', t.charges),
      ...amountRow('totalExclusive', t.taxExclusive),
      ...amountRow('totalVat', d.vatTotal),
      ...amountRow('totalVatInTaxCurrency', d.vatTotalInTaxCurrency),
      ...amountRow('totalInclusive', t.taxInclusive),
      ...amountRow('prepaid', t.prepaid),
      ...amountRow('rounding', t.rounding),
      ...amountRow('payable', t.payable, true),
    ],
  });
  if (paymentFacts.length || d.paymentTerms) {
    blocks.push({ kind: 'facts', heading: w('payment'), facts: [...paymentFacts, ...fact(w('paymentTerms'), d.paymentTerms)] });
  }
  if (d.notes.length) blocks.push({ kind: 'paragraphs', heading: w('notes'), paragraphs: d.notes });
  blocks.push(...attachmentBlock(d.attachments, lang));
  return { lang, title: w(d.kind === 'invoice' ? 'invoice' : 'creditNote'), number: d.id, notice: w('renderingNotice'), blocks };
}

function responseView(d: InvoiceResponseDocument, lang: RenderLanguage): View {
  const w = (k: WordKey): string => word(k, lang);
  const invoiceParties = [
    ...(d.invoice.issuer ? [partyBlock(w('issuer'), d.invoice.issuer, lang)] : []),
    ...(d.invoice.recipient ? [partyBlock(w('recipient'), d.invoice.recipient, lang)] : []),
  ];
  const blocks: Block[] = [
    { kind: 'parties', parties: [partyBlock(w('sender'), d.sender, lang), partyBlock(w('receiver'), d.receiver, lang)] },
    {
      kind: 'facts',
      heading: w('response'),
      facts: [
        ...fact(w('issueDateResponse'), formatDate(d.issueDate, lang)),
        ...fact(w('time'), d.issueTime),
        ...fact(w('responseCode'), codeWithName('responseCode', d.responseCode, lang)),
        ...fact(w('effectiveDate'), formatDate(d.effectiveDate, lang)),
        ...fact(w('respondedInvoice'), [d.invoice.id, d.invoice.issueDate && `(${formatDate(d.invoice.issueDate, lang)})`].filter(Boolean).join(' ')),
        ...fact(w('documentType'), codeWithName('documentType', d.invoice.typeCode, lang)),
      ],
    },
  ];
  if (d.statuses.length) {
    blocks.push({
      kind: 'table',
      heading: w('clarifications'),
      columns: [
        { label: w('reason'), align: 'left', width: 0.35 },
        { label: w('description'), align: 'left', width: 0.65 },
      ],
      rows: d.statuses.map((s) => [
        { main: s.code ? codeWithName('statusClarification', s.code, lang) : '', sub: s.listId ? [s.listId] : [] },
        { main: s.reason ?? '', sub: s.conditions.map((c) => `${w('condition')}: ${[c.attributeId, c.description].filter(Boolean).join(' – ')}`) },
      ]),
    });
  }
  if (invoiceParties.length) blocks.push({ kind: 'parties', parties: invoiceParties });
  if (d.notes.length) blocks.push({ kind: 'paragraphs', heading: w('notes'), paragraphs: d.notes });
  return { lang, title: w('invoiceResponse'), number: d.id, notice: w('renderingNotice'), blocks };
}

export function viewOf(d: RenderableDocument, lang: RenderLanguage): View {
  return d.kind === 'invoice-response' ? responseView(d, lang) : billingView(d, lang);
}
