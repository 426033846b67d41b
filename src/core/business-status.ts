/**
 * The business status of an invoice or credit note: what its buyer made of it, as the Invoice Responses
 * (BIS 63) about it say, in Mercurius' supplier view (peppol-reference §8). It is a second dimension beside
 * the delivery status of src/core/state-machine.ts, with its own table and its own checked moves: a
 * response that would move it backwards (IP after AP, anything after RE or PD) is recorded in the
 * timeline and leaves the status as it is.
 *
 *   (none) ─▶ received ─▶ processed ─▶ paid
 *     │          ├────────────┴─▶ rejected
 *     └──────────┴─▶ paid, rejected, processed
 */
import { ApError } from '../errors.js';

export const BUSINESS_STATUSES = ['received', 'processed', 'rejected', 'paid'] as const;
export type BusinessStatus = (typeof BUSINESS_STATUSES)[number];

/** Invoice Response codes (UNCL4343 subset) by the business status they mean. */
export const BUSINESS_STATUS_OF: Readonly<Record<'AB' | 'IP' | 'UQ' | 'CA' | 'AP' | 'RE' | 'PD', BusinessStatus>> = {
  AB: 'received',
  IP: 'received',
  UQ: 'received',
  CA: 'processed',
  AP: 'processed',
  RE: 'rejected',
  PD: 'paid',
};

const MOVES: Readonly<Record<BusinessStatus | '(none)', readonly BusinessStatus[]>> = {
  '(none)': ['received', 'processed', 'rejected', 'paid'],
  received: ['processed', 'rejected', 'paid'],
  processed: ['rejected', 'paid'],
  rejected: [],
  paid: [],
};

declare const checked: unique symbol;

/** A business-status move the table allowed: a statement writes `to` only where the document is still in `from`. */
export interface CheckedBusinessMove {
  readonly from: BusinessStatus | null;
  readonly to: BusinessStatus;
  readonly [checked]: 'business-move';
}

const CHECKED = new Map<string, CheckedBusinessMove>();
for (const [from, tos] of Object.entries(MOVES) as Array<[BusinessStatus | '(none)', readonly BusinessStatus[]]>) {
  for (const to of tos) CHECKED.set(`${from}>${to}`, Object.freeze({ from: from === '(none)' ? null : from, to }) as CheckedBusinessMove);
}

/** The move from `from` to `to`, or null when the table has none (the same status again is no move either). */
export function businessMove(from: BusinessStatus | null, to: BusinessStatus): CheckedBusinessMove | null {
  return CHECKED.get(`${from ?? '(none)'}>${to}`) ?? null;
}

/** businessMove, for callers that must not go on without one. */
export function checkBusinessMove(id: string, from: BusinessStatus | null, to: BusinessStatus): CheckedBusinessMove {
  const move = businessMove(from, to);
  if (!move) throw new ApError('state.invalid-transition', `The business status of ${id} cannot move from ${from ?? '(none)'} to ${to}`, { id, from, to });
  return move;
}
