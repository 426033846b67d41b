/** The append-only audit log of operator and admin actions (the table refuses updates and deletes). */
import type { Knex } from 'knex';

export interface AuditEntry {
  actor: string;
  actorTenantId: string | null;
  onBehalfOfTenantId: string | null;
  action: string;
  target: string | null;
  remoteAddress: string | null;
  details?: Record<string, unknown> | null;
}

export interface AuditRecord extends AuditEntry {
  id: number;
  at: Date;
}

interface AuditRow {
  id: string;
  at: Date;
  actor: string;
  actor_tenant_id: string | null;
  on_behalf_of_tenant_id: string | null;
  action: string;
  target: string | null;
  remote_address: string | null;
  details: Record<string, unknown> | null;
}

export class PostgresAuditLog {
  constructor(private readonly knex: Knex) {}

  async append(e: AuditEntry, tx?: Knex.Transaction): Promise<void> {
    await (tx ?? this.knex)('audit_log').insert({
      actor: e.actor,
      actor_tenant_id: e.actorTenantId,
      on_behalf_of_tenant_id: e.onBehalfOfTenantId,
      action: e.action,
      target: e.target,
      remote_address: e.remoteAddress,
      details: e.details ?? null,
    });
  }

  /** Entries about `tenantIds` ('all': every entry), newest first, before the id `before` when given. */
  async list(tenantIds: readonly string[] | 'all', opts: { limit: number; before?: number }): Promise<AuditRecord[]> {
    const q = this.knex<AuditRow>('audit_log').orderBy('id', 'desc').limit(opts.limit);
    if (tenantIds !== 'all') q.where((w) => w.whereIn('on_behalf_of_tenant_id', [...tenantIds]).orWhereIn('actor_tenant_id', [...tenantIds]));
    if (opts.before !== undefined) q.where('id', '<', opts.before);
    return (await q).map((r) => ({
      id: Number(r.id),
      at: r.at,
      actor: r.actor,
      actorTenantId: r.actor_tenant_id,
      onBehalfOfTenantId: r.on_behalf_of_tenant_id,
      action: r.action,
      target: r.target,
      remoteAddress: r.remote_address,
      details: r.details,
    }));
  }
}
