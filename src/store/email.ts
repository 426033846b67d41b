/**
 * The e-mail channel's settings (migration 20261203_0200_email_channel): a tenant's language, fallback and
 * notification subscriptions; the fallback given with one submission; a hosted participant's pick-up delay.
 */
import type { Knex } from 'knex';
import type { Tx } from './documents.js';

export type FallbackMode = 'off' | 'always' | 'on_peppol_failure';
export type Language = 'nl' | 'fr' | 'en';

export interface TenantEmailSettings {
  language: Language;
  fallback: FallbackMode;
  notificationAddress: string | null;
  notificationEvents: string[];
}

export const DEFAULT_TENANT_EMAIL_SETTINGS: TenantEmailSettings = Object.freeze({ language: 'en', fallback: 'off', notificationAddress: null, notificationEvents: [] }) as TenantEmailSettings;

export interface SubmissionEmailOptions {
  fallback: FallbackMode;
  /** The buyer's address given with the submission, before the invoice's own. */
  address: string | null;
}

export interface PickupSettings {
  participant: string;
  delaySeconds: number;
  functionalAddress: string;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const tenantSettingsOf = (r: any): TenantEmailSettings => ({ language: r.language, fallback: r.fallback, notificationAddress: r.notification_address, notificationEvents: r.notification_events });

export class PostgresEmailStore {
  constructor(private readonly knex: Knex) {}

  async tenantSettings(tenantId: string, tx?: Tx): Promise<TenantEmailSettings> {
    const row = await (tx ?? this.knex)('email_tenant_settings').where({ tenant_id: tenantId }).first();
    return row ? tenantSettingsOf(row) : DEFAULT_TENANT_EMAIL_SETTINGS;
  }

  /** The settings of those tenants that subscribed to `event` (with their address). */
  async subscribers(tenantIds: readonly string[], event: string, tx?: Tx): Promise<Map<string, TenantEmailSettings>> {
    if (tenantIds.length === 0) return new Map();
    const rows = await (tx ?? this.knex)('email_tenant_settings').whereIn('tenant_id', [...tenantIds]).whereRaw('? = ANY (notification_events)', [event]).whereNotNull('notification_address');
    return new Map(rows.map((r) => [r.tenant_id as string, tenantSettingsOf(r)]));
  }

  async saveTenantSettings(tenantId: string, s: TenantEmailSettings): Promise<TenantEmailSettings> {
    const row = { tenant_id: tenantId, language: s.language, fallback: s.fallback, notification_address: s.notificationAddress, notification_events: s.notificationEvents, updated_at: this.knex.fn.now() };
    const [saved] = await this.knex('email_tenant_settings').insert(row).onConflict('tenant_id').merge().returning('*');
    return tenantSettingsOf(saved);
  }

  async submissionOptions(documentId: string): Promise<SubmissionEmailOptions | null> {
    const row = await this.knex('email_submission_options').where({ document_id: documentId }).first();
    return row ? { fallback: row.fallback, address: row.address } : null;
  }

  async saveSubmissionOptions(documentId: string, o: SubmissionEmailOptions, tx: Tx): Promise<void> {
    await tx('email_submission_options').insert({ document_id: documentId, fallback: o.fallback, address: o.address });
  }

  /** The pick-up settings of these participants (identifiers in any case), keyed by lower-cased identifier. */
  async pickupSettings(participants: readonly string[], tx?: Tx): Promise<Map<string, PickupSettings>> {
    if (participants.length === 0) return new Map();
    const rows = await (tx ?? this.knex)('email_pickup_settings').whereIn('participant', participants.map((p) => p.toLowerCase()));
    return new Map(rows.map((r) => [r.participant as string, { participant: r.participant, delaySeconds: r.delay_seconds, functionalAddress: r.functional_address }]));
  }

  async savePickupSettings(s: PickupSettings): Promise<void> {
    await this.knex('email_pickup_settings')
      .insert({ participant: s.participant.toLowerCase(), delay_seconds: s.delaySeconds, functional_address: s.functionalAddress, updated_at: this.knex.fn.now() })
      .onConflict('participant')
      .merge();
  }

  async deletePickupSettings(participant: string): Promise<void> {
    await this.knex('email_pickup_settings').where({ participant: participant.toLowerCase() }).delete();
  }

  /** Appends a timeline entry that moves no status (an e-mail sent about the document). */
  async event(documentId: string, e: { type: string; actor: string; reason: string; details: Record<string, unknown> }, tx?: Tx): Promise<void> {
    await (tx ?? this.knex)('document_events').insert({ document_id: documentId, type: e.type, actor: e.actor, reason: e.reason, details: JSON.stringify(e.details) });
  }
}
