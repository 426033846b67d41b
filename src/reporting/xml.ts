/**
 * The two reports as XML (xmlbuilder2), in the structure of their XSDs and official examples: the
 * header (period, our seat as ReporterID), then the totals and the subtotals or subsets of the figures.
 */
import { create } from 'xmlbuilder2';
import type { XMLBuilder } from 'xmlbuilder2/lib/interfaces.js';
import type { EndUserCounts, EusrFigures, ReportPeriod, TsrFigures } from './aggregate.js';
import { EUSR_CUSTOMIZATION, EUSR_NS, REPORTING_PROCESS, TSR_CUSTOMIZATION, TSR_NS } from './identifiers.js';

export interface ReportHeader {
  period: ReportPeriod;
  /** Our seat id (CN of our AP certificate), e.g. POP000123. */
  reporterSeat: string;
}

type Key = [metaSchemeID: string, schemeID: string, value: string];
const TP = (v: string): Key => ['TP', 'Peppol', v];
const SP = (v: string): Key => ['SP', 'CertSubjectCN', v];
const DT = (v: string): Key => ['DT', 'busdox-docid-qns', v];
const PR = (v: string): Key => ['PR', 'cenbii-procid-ubl', v];
const CC = (scheme: string, v: string): Key => ['CC', scheme, v];

function root(ns: string, name: string, customization: string, h: ReportHeader): XMLBuilder {
  const r = create({ version: '1.0', encoding: 'UTF-8' }).ele(ns, name);
  r.ele('CustomizationID').txt(customization);
  r.ele('ProfileID').txt(REPORTING_PROCESS);
  const header = r.ele('Header');
  const period = header.ele('ReportPeriod');
  period.ele('StartDate').txt(h.period.start);
  period.ele('EndDate').txt(h.period.end);
  header.ele('ReporterID', { schemeID: 'CertSubjectCN' }).txt(h.reporterSeat);
  return r;
}

function keyed(parent: XMLBuilder, element: string, type: string, keys: Key[]): XMLBuilder {
  const e = parent.ele(element, { type });
  for (const [metaSchemeID, schemeID, value] of keys) e.ele('Key', { metaSchemeID, schemeID }).txt(value);
  return e;
}

function inOut(e: XMLBuilder, incoming: number, outgoing: number): void {
  e.ele('Incoming').txt(String(incoming));
  e.ele('Outgoing').txt(String(outgoing));
}

export function buildTsr(h: ReportHeader, f: TsrFigures): string {
  const r = root(TSR_NS, 'TransactionStatisticsReport', TSR_CUSTOMIZATION, h);
  inOut(r.ele('Total'), f.total.incoming, f.total.outgoing);
  for (const s of f.perTp) inOut(keyed(r, 'Subtotal', 'PerTP', [TP(s.transportProfile)]), s.counts.incoming, s.counts.outgoing);
  for (const s of f.perSpDtPr) inOut(keyed(r, 'Subtotal', 'PerSP-DT-PR', [SP(s.otherSeat), DT(s.documentType), PR(s.process)]), s.counts.incoming, s.counts.outgoing);
  for (const s of f.perSpDtPrCc) {
    const keys = [SP(s.otherSeat), DT(s.documentType), PR(s.process), CC('SenderCountry', s.senderCountry), CC('ReceiverCountry', s.receiverCountry)];
    // Outgoing is always 0 here: C2 cannot know C4's country (SCH-TSR-43).
    inOut(keyed(r, 'Subtotal', 'PerSP-DT-PR-CC', keys), s.incoming, 0);
  }
  return r.end({ prettyPrint: true });
}

function endUsers(e: XMLBuilder, c: EndUserCounts): void {
  e.ele('SendingEndUsers').txt(String(c.sending));
  e.ele('ReceivingEndUsers').txt(String(c.receiving));
  e.ele('SendingOrReceivingEndUsers').txt(String(c.sendingOrReceiving));
}

export function buildEusr(h: ReportHeader, f: EusrFigures): string {
  const r = root(EUSR_NS, 'EndUserStatisticsReport', EUSR_CUSTOMIZATION, h);
  endUsers(r.ele('FullSet'), f.fullSet);
  for (const s of f.perDtPr) endUsers(keyed(r, 'Subset', 'PerDT-PR', [DT(s.documentType), PR(s.process)]), s.counts);
  for (const s of f.perDtPrEuc) endUsers(keyed(r, 'Subset', 'PerDT-PR-EUC', [DT(s.documentType), PR(s.process), CC('EndUserCountry', s.country)]), s.counts);
  for (const s of f.perDtEuc) endUsers(keyed(r, 'Subset', 'PerDT-EUC', [DT(s.documentType), CC('EndUserCountry', s.country)]), s.counts);
  for (const s of f.perEuc) endUsers(keyed(r, 'Subset', 'PerEUC', [CC('EndUserCountry', s.country)]), s.counts);
  return r.end({ prettyPrint: true });
}
