/**
 * Tenants and the participants they own. A participant is a row of hosted_participants (the SMP
 * publishes its capabilities, if it has any); it belongs to at most one tenant. Giving a participant to a
 * tenant also gives it the documents of that participant no tenant held yet.
 */
import type { Knex } from 'knex';
import { namedQuery } from './named-query.js';
import { isUuid } from './uuid.js';
import { ApError } from '../errors.js';
import { PARTICIPANT_SCHEME, type ParticipantIdentifier } from '../peppol/identifiers.js';

/** Uses the unique index on (scheme, lower(identifier)). */
const TENANT_OF_PARTICIPANT = 'SELECT tenant_id FROM hosted_participants WHERE scheme = $1::text AND lower(identifier) = lower($2::text)';

export interface TenantRecord {
  id: string;
  name: string;
  enterpriseNumber: string | null;
  countryCode: string | null;
  sandbox: boolean;
  createdAt: Date;
}

export interface NewTenant {
  name: string;
  enterpriseNumber?: string | null;
  countryCode?: string | null;
  sandbox?: boolean;
}

interface TenantRow {
  id: string;
  name: string;
  enterprise_number: string | null;
  country_code: string | null;
  sandbox: boolean;
  created_at: Date;
}

const tenantOf = (r: TenantRow): TenantRecord => ({
  id: r.id,
  name: r.name,
  enterpriseNumber: r.enterprise_number,
  countryCode: r.country_code,
  sandbox: r.sandbox,
  createdAt: r.created_at,
});

export class PostgresTenantStore {
  constructor(private readonly knex: Knex) {}

  async create(t: NewTenant): Promise<TenantRecord> {
    try {
      const [row] = await this.knex<TenantRow>('tenants')
        .insert({ name: t.name, enterprise_number: t.enterpriseNumber ?? null, country_code: t.countryCode ?? null, sandbox: t.sandbox ?? false })
        .returning('*');
      return tenantOf(row!);
    } catch (err) {
      if ((err as { code?: string }).code === '23505') throw new ApError('api.conflict', `A tenant with enterprise number ${t.enterpriseNumber} exists already`);
      throw err;
    }
  }

  /** Sets the tenant's country (ISO 3166-1 alpha-2); null when there is no such tenant. */
  async setCountry(id: string, countryCode: string): Promise<TenantRecord | null> {
    if (!isUuid(id)) return null;
    const [row] = await this.knex<TenantRow>('tenants').where({ id }).update({ country_code: countryCode }).returning('*');
    return row ? tenantOf(row) : null;
  }

  async get(id: string): Promise<TenantRecord | null> {
    if (!isUuid(id)) return null;
    const row = await this.knex<TenantRow>('tenants').where({ id }).first();
    return row ? tenantOf(row) : null;
  }

  /** The tenants of `ids` ('all': every tenant), by name. */
  async list(ids: readonly string[] | 'all'): Promise<TenantRecord[]> {
    const q = this.knex<TenantRow>('tenants').orderBy([{ column: 'name' }, { column: 'id' }]);
    if (ids !== 'all') q.whereIn('id', [...ids]);
    return (await q).map(tenantOf);
  }

  /**
   * Gives `participant` to `tenantId`, adding it to the hosted participants when it is not one yet.
   * Refused when another tenant owns it. Documents of the participant that belonged to no tenant follow it.
   */
  async assignParticipant(tenantId: string, participant: ParticipantIdentifier, name: string | null): Promise<{ added: boolean }> {
    return this.knex.transaction(async (tx) => {
      const existing = await tx('hosted_participants')
        .where({ scheme: participant.scheme })
        .whereRaw('lower(identifier) = lower(?)', [participant.value])
        .forUpdate()
        .first<{ id: string; tenant_id: string | null } | undefined>('id', 'tenant_id');
      if (existing?.tenant_id && existing.tenant_id !== tenantId) {
        throw new ApError('api.conflict', `Participant ${participant.value} belongs to another tenant`);
      }
      if (existing) await tx('hosted_participants').where({ id: existing.id }).update({ tenant_id: tenantId });
      else await tx('hosted_participants').insert({ scheme: participant.scheme, identifier: participant.value, name, tenant_id: tenantId });
      // Outbound documents belong to their sender's tenant, inbound ones to their receiver's.
      await tx.raw(
        `UPDATE documents SET tenant_id = ? WHERE tenant_id IS NULL AND (
           (direction = 'outbound' AND lower(sender_id) = lower(?)) OR (direction = 'inbound' AND lower(receiver_id) = lower(?)))`,
        [tenantId, participant.value, participant.value],
      );
      return { added: !existing };
    });
  }

  /** The participants of `ids` ('all': of every tenant), as `ICD:value`. */
  async participants(ids: readonly string[] | 'all'): Promise<Array<{ tenantId: string; participant: ParticipantIdentifier }>> {
    const q = this.knex('hosted_participants').whereNotNull('tenant_id').orderBy('identifier').select<Array<{ tenant_id: string; scheme: string; identifier: string }>>('tenant_id', 'scheme', 'identifier');
    if (ids !== 'all') q.whereIn('tenant_id', [...ids]);
    return (await q).map((r) => ({ tenantId: r.tenant_id, participant: { scheme: r.scheme, value: r.identifier } }));
  }

  /**
   * The tenant that owns `participant` (its iso6523 value, any case), or null. Asked for every API
   * submission: a named statement (measured: about half the client and Postgres CPU of the same query
   * through the builder, planned anew each time).
   */
  async tenantOfParticipant(participantValue: string, tx?: Knex.Transaction): Promise<string | null> {
    const [row] = await namedQuery<{ tenant_id: string | null }>(tx ?? this.knex, 'tenants-of-participant', TENANT_OF_PARTICIPANT, [PARTICIPANT_SCHEME, participantValue]);
    return row?.tenant_id ?? null;
  }
}
