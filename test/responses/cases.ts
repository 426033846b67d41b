/**
 * The documents the response tests share: the official examples, and responses built for every code,
 * reason and action, and for text that must be escaped.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { InvoiceResponse, MessageLevelStatus } from '../../src/responses/index.js';
import { parseDocument, type XNode } from '../../src/validation/dom.js';
import { SHARED_ARTIFACTS } from '../support/saxon-ref.js';

export const EXAMPLES_DIR = join(SHARED_ARTIFACTS, 'examples');

function examples(folder: string): { name: string; root: XNode }[] {
  const dir = join(EXAMPLES_DIR, folder);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.xml'))
    .sort()
    .map((f) => ({ name: f, root: parseDocument(readFileSync(join(dir, f))).root }));
}

export const INVOICE_RESPONSE_EXAMPLES = examples('invoice-response');
export const MLS_EXAMPLES = examples('mls');

const buyer = { id: '0208:0123456749', name: 'Stad Gent' };
const supplier = { id: '9925:BE0314595348', name: 'Société Générale de Belgique' };
const base = { issueDate: '2026-05-04', sender: buyer, receiver: supplier, document: { id: 'INV-2026-001', issueDate: '2026-05-01', typeCode: '380' } };

/** One Invoice Response per status code, each with the clarifications its use case has in BIS 63. */
export const BUILT_INVOICE_RESPONSES: Record<string, InvoiceResponse> = {
  AB: { ...base, id: 'IR-AB', issueTime: '09:30:00', note: 'Received and readable', responseCode: 'AB', clarifications: [] },
  IP: {
    ...base,
    id: 'IR-IP',
    responseCode: 'IP',
    effectiveDate: '2026-05-20',
    clarifications: [{ listId: 'OPStatusAction', code: 'NOA', conditions: [{ attributeId: 'Buyer process reference', description: 'X001' }] }],
    textClarifications: ['Goods not received yet; processing resumes on delivery.'],
  },
  UQ: {
    ...base,
    id: 'IR-UQ',
    responseCode: 'UQ',
    clarifications: [
      { listId: 'OPStatusReason', code: 'REF', conditions: [{ attributeId: 'BT-13' }] },
      { listId: 'OPStatusAction', code: 'PIN', text: 'Add the purchase order number' },
    ],
  },
  CA: {
    ...base,
    id: 'IR-CA',
    responseCode: 'CA',
    clarifications: [{ listId: 'OPStatusReason', code: 'PAY', text: 'Paid on the next run', conditions: [{ attributeId: 'BT-9', description: '2026-06-15' }] }],
  },
  RE: {
    ...base,
    id: 'IR-RE',
    issueTime: '17:05:00+02:00',
    responseCode: 'RE',
    clarifications: [
      { listId: 'OPStatusReason', code: 'LEG', text: 'VAT number missing' },
      { listId: 'OPStatusReason', code: 'OTH', text: 'Bank account unknown' },
      { listId: 'OPStatusAction', code: 'NIN' },
      { listId: 'OPStatusAction', code: 'OTH', text: 'Call the accounts desk' },
    ],
  },
  AP: { ...base, id: 'IR-AP', responseCode: 'AP', clarifications: [], document: { id: 'CN-7', typeCode: '381' } },
  PD: {
    ...base,
    id: 'IR-PD',
    responseCode: 'PD',
    effectiveDate: '2026-06-01',
    clarifications: [{ listId: 'OPStatusReason', code: 'PPD', text: 'Partially paid: 800.00 EUR of 1000.00 EUR' }],
  },
  escaping: {
    ...base,
    id: 'IR-<&>"\'',
    note: 'Tom & Jerry <sales> "quoted" \'single\' — ünïcödé ✓ 😀',
    sender: { id: '0208:0123456749', name: 'Dupont & Fils <SA> "Le Bon"' },
    receiver: { id: '9925:BE0314595348', name: 'Société Générale' },
    responseCode: 'UQ',
    clarifications: [{ listId: 'OPStatusReason', code: 'PRI', text: 'Unit price 5 < 7 & "agreed" > 3', conditions: [{ attributeId: "BT-146 'net'", description: '<7.00> & more' }] }],
    document: { id: 'INV/2026&<1>', typeCode: '380' },
  },
};

const mlsBase = { issueDate: '2026-05-04', issueTime: '10:15:00Z', sender: { id: '0242:123456' }, receiver: { id: '0242:987654' }, referencedInstanceId: '4d3c5b76-0a3e-4a56-9d53-7f1e2b6a9c01' };

export const BUILT_MLS: Record<string, MessageLevelStatus> = {
  AP: { ...mlsBase, id: 'MLS-AP', responseCode: 'AP', lines: [] },
  AB: {
    ...mlsBase,
    id: 'MLS-AB',
    issueTime: '12:00:00.250+01:00',
    sender: { id: '0242:123456-MLS.ANYTHING' },
    responseCode: 'AB',
    description: 'Delivered by e-mail, without confirmation',
    lines: [{ lineId: 'NA', description: 'Warning kept: [PEPPOL-EN16931-R006]', reason: 'BW' }],
  },
  RE: {
    ...mlsBase,
    id: 'MLS-RE',
    responseCode: 'RE',
    description: 'Rejected: 3 fatal issue(s) & a warning',
    lines: [
      { lineId: 'NA', description: 'Not well-formed: bad end tag <cbc:ID>', reason: 'SV' },
      { lineId: "/ubl:Invoice[1]/cac:InvoiceLine[cbc:ID='1']/cbc:LineExtensionAmount[1]", description: '[BR-CO-10] Sum of line amounts & totals differ', reason: 'BV' },
      { lineId: "/ubl:Invoice[1]/cac:InvoiceLine[cbc:ID='1']/cbc:LineExtensionAmount[1]", description: 'Amount has more than 2 decimals', reason: 'BW' },
      { lineId: 'NA', description: 'Société Générale: the receiver could not be reached', reason: 'FD' },
    ],
  },
};
