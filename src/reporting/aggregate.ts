/**
 * From the month's reporting items to the figures of the two reports (TSR 1.0, EUSR 1.1), as their
 * specifications define them; every list sorted by its key, so the same items always give the same XML.
 */
import type { ReportingItem } from './items.js';

export interface ReportPeriod {
  /** YYYY-MM-DD, both inclusive: the first and last day of a calendar month (UTC). */
  start: string;
  end: string;
}

export interface Counts {
  incoming: number;
  outgoing: number;
}

export interface TsrFigures {
  total: Counts;
  /** Per transport profile. */
  perTp: { transportProfile: string; counts: Counts }[];
  /** Per other service provider (its seat), document type and process. */
  perSpDtPr: { otherSeat: string; documentType: string; process: string; counts: Counts }[];
  /** Incoming only: per other service provider, document type, process, sender (C1) and receiver (C4) country. */
  perSpDtPrCc: { otherSeat: string; documentType: string; process: string; senderCountry: string; receiverCountry: string; incoming: number }[];
}

export interface EndUserCounts {
  sending: number;
  receiving: number;
  sendingOrReceiving: number;
}

export interface EusrFigures {
  fullSet: EndUserCounts;
  perDtPr: { documentType: string; process: string; counts: EndUserCounts }[];
  perEuc: { country: string; counts: EndUserCounts }[];
  perDtEuc: { documentType: string; country: string; counts: EndUserCounts }[];
  perDtPrEuc: { documentType: string; process: string; country: string; counts: EndUserCounts }[];
}

/** The TSR's country of an unknown C4: ZZ, which the TSR rules allow (SCH-TSR-20) and the EUSR's do not. */
export const UNKNOWN_COUNTRY = 'ZZ';

function group<K extends unknown[], V>(items: readonly ReportingItem[], key: (i: ReportingItem) => K | null, init: () => V, add: (v: V, i: ReportingItem) => void): { key: K; value: V }[] {
  const map = new Map<string, { key: K; value: V }>();
  for (const i of items) {
    const k = key(i);
    if (k === null) continue;
    const id = JSON.stringify(k);
    let g = map.get(id);
    if (!g) map.set(id, (g = { key: k, value: init() }));
    add(g.value, i);
  }
  return [...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, g]) => g);
}

const counts = (): Counts => ({ incoming: 0, outgoing: 0 });
const count = (c: Counts, i: ReportingItem): void => {
  if (i.direction === 'incoming') c.incoming++;
  else c.outgoing++;
};

export function tsrFigures(items: readonly ReportingItem[]): TsrFigures {
  const total = counts();
  for (const i of items) count(total, i);
  return {
    total,
    perTp: group(items, (i) => [i.transportProfile], counts, count).map((g) => ({ transportProfile: g.key[0]!, counts: g.value })),
    perSpDtPr: group(items, (i) => [i.otherSeat, i.documentType, i.process], counts, count).map((g) => ({
      otherSeat: g.key[0]!,
      documentType: g.key[1]!,
      process: g.key[2]!,
      counts: g.value,
    })),
    perSpDtPrCc: group(
      items,
      (i) => (i.direction === 'incoming' ? [i.otherSeat, i.documentType, i.process, i.c1Country, i.c4Country ?? UNKNOWN_COUNTRY] : null),
      () => ({ n: 0 }),
      (v) => v.n++,
    ).map((g) => ({ otherSeat: g.key[0]!, documentType: g.key[1]!, process: g.key[2]!, senderCountry: g.key[3]!, receiverCountry: g.key[4]!, incoming: g.value.n })),
  };
}

interface EndUserSets {
  sending: Set<string>;
  receiving: Set<string>;
}
const sets = (): EndUserSets => ({ sending: new Set(), receiving: new Set() });
const addEndUser = (s: EndUserSets, i: ReportingItem): void => {
  (i.direction === 'outgoing' ? s.sending : s.receiving).add(i.endUser);
};
const endUserCounts = (s: EndUserSets): EndUserCounts => ({
  sending: s.sending.size,
  receiving: s.receiving.size,
  sendingOrReceiving: new Set([...s.sending, ...s.receiving]).size,
});

/** The end user's country in an exchange: C1 when it sends, C4 when it receives; null when unknown (left out of the country subsets). */
export function endUserCountry(i: ReportingItem): string | null {
  const c = i.direction === 'outgoing' ? i.c1Country : i.c4Country;
  return c && c !== UNKNOWN_COUNTRY ? c : null;
}

export function eusrFigures(all: readonly ReportingItem[]): EusrFigures {
  const items = all.filter((i) => i.countsInEusr);
  const full = sets();
  for (const i of items) addEndUser(full, i);
  const withCountry = (k: (i: ReportingItem, c: string) => string[]) => (i: ReportingItem) => {
    const c = endUserCountry(i);
    return c === null ? null : k(i, c);
  };
  return {
    fullSet: endUserCounts(full),
    perDtPr: group(items, (i) => [i.documentType, i.process], sets, addEndUser).map((g) => ({ documentType: g.key[0]!, process: g.key[1]!, counts: endUserCounts(g.value) })),
    perEuc: group(items, withCountry((_, c) => [c]), sets, addEndUser).map((g) => ({ country: g.key[0]!, counts: endUserCounts(g.value) })),
    perDtEuc: group(items, withCountry((i, c) => [i.documentType, c]), sets, addEndUser).map((g) => ({ documentType: g.key[0]!, country: g.key[1]!, counts: endUserCounts(g.value) })),
    perDtPrEuc: group(items, withCountry((i, c) => [i.documentType, i.process, c]), sets, addEndUser).map((g) => ({
      documentType: g.key[0]!,
      process: g.key[1]!,
      country: g.key[2]!,
      counts: endUserCounts(g.value),
    })),
  };
}

/** The period of a month `YYYY-MM`, or null when it is not one. */
export function monthPeriod(month: string): ReportPeriod | null {
  const m = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(month);
  if (!m) return null;
  const last = new Date(Date.UTC(Number(m[1]), Number(m[2]), 0)).getUTCDate();
  return { start: `${month}-01`, end: `${month}-${String(last).padStart(2, '0')}` };
}
