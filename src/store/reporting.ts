/**
 * Peppol Reporting storage: the reporting items (one per counted exchange, inserted by the statements of
 * the events that make an exchange count, through reportingItemInsert()) and the monthly reports built
 * from them (peppol_reports).
 */
import type { Knex } from 'knex';
import type { ReportingItem } from '../reporting/items.js';
import type { Tx } from './documents.js';

/** One counted exchange, as src/reporting builds it; incoming with c4Country null takes the receiving tenant's country (else its participant's) at insert. */
export type ReportingItemRow = ReportingItem;

/** The item as the JSON parameter reportingItemInsert() reads; null when the exchange does not count. */
export function reportingItemJson(i: ReportingItemRow | null): string | null {
  return i
    ? JSON.stringify({
        exchanged_at: i.exchangedAt.toISOString(),
        direction: i.direction,
        our_seat: i.ourSeat,
        other_seat: i.otherSeat,
        document_type: i.documentType,
        process: i.process,
        transport_profile: i.transportProfile,
        c1_country: i.c1Country,
        c4_country: i.c4Country,
        our_participant: i.ourParticipant,
        end_user: i.endUser,
        counts_in_eusr: i.countsInEusr,
      })
    : null;
}

/** The receiving end user's country from our data: its tenant's, else the hosted participant's own. */
const receiverCountry = (participant: string) => `(SELECT COALESCE(t.country_code, hp.country_code) FROM hosted_participants hp
    LEFT JOIN tenants t ON t.id = hp.tenant_id WHERE lower(hp.identifier) = lower(${participant}) LIMIT 1)`;

/**
 * A CTE `name` inserting the item of `json` (a jsonb expression, null for none) for the document `documentId`
 * of each row of `from`: part of the one statement that records the exchange, so both commit together.
 */
export function reportingItemInsert(name: string, from: string, documentId: string, json: string): string {
  return `${name} AS (
  INSERT INTO reporting_items (document_id, exchanged_at, direction, our_seat, other_seat, document_type, process, transport_profile,
    c1_country, c4_country, our_participant, end_user, counts_in_eusr)
  SELECT ${documentId}, x.exchanged_at, x.direction, x.our_seat, x.other_seat, x.document_type, x.process, x.transport_profile, x.c1_country,
    CASE WHEN x.direction = 'incoming' THEN COALESCE(x.c4_country, ${receiverCountry('x.our_participant')}) END, x.our_participant, x.end_user, x.counts_in_eusr
  FROM ${from} CROSS JOIN LATERAL jsonb_to_record(${json}) AS x(exchanged_at timestamptz, direction text, our_seat text, other_seat text,
    document_type text, process text, transport_profile text, c1_country text, c4_country text, our_participant text, end_user text, counts_in_eusr boolean)
  WHERE ${json} IS NOT NULL
  ON CONFLICT (document_id) DO NOTHING
)`;
}

export type ReportKind = 'tsr' | 'eusr';
export type ReportState = 'queued' | 'invalid';

export interface PeppolReportRecord {
  id: string;
  period: string;
  kind: ReportKind;
  generation: number;
  state: ReportState;
  documentId: string | null;
  /** The carrying document's delivery status (queued, sending, delivered, failed...), null without one. */
  documentStatus: string | null;
  actor: string;
  createdAt: Date;
  /** Fatal issues of an invalid report. */
  fatalIssues: number;
}

export interface NewPeppolReport {
  period: string;
  kind: ReportKind;
  state: ReportState;
  xml: string;
  validationReport: unknown;
  documentId: string | null;
  actor: string;
}

export interface UnknownReceiverCountry {
  participant: string;
  tenantId: string | null;
  exchanges: number;
}

const toReport = (r: Record<string, unknown>): PeppolReportRecord => ({
  id: r['id'] as string,
  period: r['period'] as string,
  kind: r['kind'] as ReportKind,
  generation: Number(r['generation']),
  state: r['state'] as ReportState,
  documentId: (r['document_id'] as string | null) ?? null,
  documentStatus: (r['status'] as string | null) ?? null,
  actor: r['actor'] as string,
  createdAt: r['created_at'] as Date,
  fatalIssues: Number(r['fatal_issues'] ?? 0),
});

export class PostgresReportingStore {
  constructor(private readonly knex: Knex) {}

  /**
   * The items of [from, to): an incoming one whose C4 country was unknown when it counted takes the one
   * our data gives now, so an operator's fix counts in reports built after it.
   */
  async items(from: Date, to: Date): Promise<ReportingItemRow[]> {
    const { rows } = await this.knex.raw(
      `SELECT i.*, CASE WHEN i.direction = 'incoming' THEN COALESCE(i.c4_country, ${receiverCountry('i.our_participant')}) END AS c4
       FROM reporting_items i WHERE i.exchanged_at >= ? AND i.exchanged_at < ? ORDER BY i.id`,
      [from, to],
    );
    return (rows as Record<string, unknown>[]).map((r) => ({
      exchangedAt: r['exchanged_at'] as Date,
      direction: r['direction'] as 'outgoing' | 'incoming',
      ourSeat: r['our_seat'] as string,
      otherSeat: r['other_seat'] as string,
      documentType: r['document_type'] as string,
      process: r['process'] as string,
      transportProfile: r['transport_profile'] as string,
      c1Country: r['c1_country'] as string,
      c4Country: (r['c4'] as string | null) ?? null,
      ourParticipant: r['our_participant'] as string,
      endUser: r['end_user'] as string,
      countsInEusr: r['counts_in_eusr'] as boolean,
    }));
  }

  /** Receivers of incoming exchanges in [from, to) whose country neither their tenant nor their participant record gives. */
  async unknownReceiverCountries(from: Date, to: Date): Promise<UnknownReceiverCountry[]> {
    const { rows } = await this.knex.raw(
      `SELECT u.participant, count(*)::int AS exchanges,
         (SELECT hp.tenant_id FROM hosted_participants hp WHERE lower(hp.identifier) = u.participant LIMIT 1) AS tenant_id
       FROM (SELECT lower(i.our_participant) AS participant FROM reporting_items i
         WHERE i.direction = 'incoming' AND i.exchanged_at >= ? AND i.exchanged_at < ? AND i.c4_country IS NULL
           AND ${receiverCountry('i.our_participant')} IS NULL) u
       GROUP BY u.participant ORDER BY 1`,
      [from, to],
    );
    return (rows as Record<string, unknown>[]).map((r) => ({ participant: r['participant'] as string, tenantId: (r['tenant_id'] as string | null) ?? null, exchanges: Number(r['exchanges']) }));
  }

  /** Every report built, newest period first, with the delivery status of the document carrying it. */
  async list(limit = 240): Promise<PeppolReportRecord[]> {
    const { rows } = await this.knex.raw(
      `SELECT r.id, r.period, r.kind, r.generation, r.state, r.document_id, r.actor, r.created_at, d.status,
         (SELECT count(*) FROM jsonb_array_elements(r.validation_report -> 'issues') e WHERE e ->> 'flag' = 'fatal') AS fatal_issues
       FROM peppol_reports r LEFT JOIN documents d ON d.id = r.document_id
       ORDER BY r.period DESC, r.kind, r.generation DESC LIMIT ?`,
      [limit],
    );
    return (rows as Record<string, unknown>[]).map(toReport);
  }

  /** The report of a period and kind that was queued for sending (the latest generation), or null. */
  async sent(period: string, kind: ReportKind, tx?: Tx): Promise<PeppolReportRecord | null> {
    const row = await (tx ?? this.knex)('peppol_reports as r')
      .leftJoin('documents as d', 'd.id', 'r.document_id')
      .where({ 'r.period': period, 'r.kind': kind, 'r.state': 'queued' })
      .orderBy('r.generation', 'desc')
      .first('r.id', 'r.period', 'r.kind', 'r.generation', 'r.state', 'r.document_id', 'r.actor', 'r.created_at', 'd.status');
    return row ? toReport(row as Record<string, unknown>) : null;
  }

  /**
   * Serialises the reports of one period and kind across processes for the rest of `tx` (a transaction
   * advisory lock), so that two runners never both find "not sent yet" and send twice.
   */
  async lock(period: string, kind: ReportKind, tx: Tx): Promise<void> {
    await tx.raw(`SELECT pg_advisory_xact_lock(hashtext('peppol-report'), hashtext(?))`, [`${period} ${kind}`]);
  }

  /** Records a report built for a period (the next generation), in `tx`. */
  async insert(r: NewPeppolReport, tx: Tx): Promise<PeppolReportRecord> {
    const { rows } = await tx.raw(
      `INSERT INTO peppol_reports (period, kind, generation, state, xml, validation_report, document_id, actor)
       SELECT ?, ?, COALESCE(max(generation), 0) + 1, ?, ?, ?::jsonb, ?, ? FROM peppol_reports WHERE period = ? AND kind = ?
       RETURNING id, period, kind, generation, state, document_id, actor, created_at`,
      [r.period, r.kind, r.state, r.xml, JSON.stringify(r.validationReport), r.documentId, r.actor, r.period, r.kind],
    );
    return toReport(rows[0] as Record<string, unknown>);
  }

  /** The XML of a stored report. */
  async xml(id: string): Promise<string | null> {
    const row = await this.knex('peppol_reports').where({ id }).first('xml');
    return row ? (row.xml as string) : null;
  }
}
