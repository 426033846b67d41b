/**
 * Who is calling: an API key of a tenant (acting for its own tenant and, through mandates, for others) or
 * of an operator (platform staff, every tenant). Services take a Principal and ask it, never the HTTP
 * layer, which tenants a use case may touch; a tenant outside those is answered as if it did not exist.
 */

/** What a key may do. A mandate narrows it further for the grantor's participants. */
export const SCOPES = ['send', 'inbox', 'respond', 'participants', 'webhooks', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

export function isScope(s: string): s is Scope {
  return (SCOPES as readonly string[]).includes(s);
}

export interface PrincipalInit {
  keyId: string;
  /** The key's public part (`pap_…`), recorded as the actor. */
  lookupId: string;
  /** null: an operator key. */
  tenantId: string | null;
  scopes: readonly Scope[];
  /** Active mandates granted to the key's tenant: grantor tenant → the scopes granted. */
  mandates?: ReadonlyMap<string, readonly Scope[]>;
  /** A person rather than a key (a console user, `console:<name>`): the actor written for it. */
  actor?: string;
}

export class Principal {
  readonly keyId: string;
  readonly lookupId: string;
  readonly tenantId: string | null;
  readonly scopes: ReadonlySet<Scope>;
  private readonly actor: string | undefined;
  private readonly perScope = new Map<Scope, readonly string[]>();

  constructor(init: PrincipalInit) {
    this.keyId = init.keyId;
    this.lookupId = init.lookupId;
    this.tenantId = init.tenantId;
    this.scopes = new Set(init.scopes);
    this.actor = init.actor;
    if (init.tenantId === null) return;
    for (const scope of this.scopes) {
      const tenants = [init.tenantId];
      for (const [grantor, granted] of init.mandates ?? []) if (granted.includes(scope)) tenants.push(grantor);
      this.perScope.set(scope, tenants);
    }
  }

  get operator(): boolean {
    return this.tenantId === null;
  }

  /** The tenants this key may act for with `scope`: 'all' for an operator key that has the scope. */
  tenantsFor(scope: Scope): readonly string[] | 'all' {
    if (!this.scopes.has(scope)) return [];
    return this.operator ? 'all' : (this.perScope.get(scope) ?? []);
  }

  /** May act with `scope` for `tenantId` (null: a participant or document of no tenant, operators only). */
  can(scope: Scope, tenantId: string | null): boolean {
    const tenants = this.tenantsFor(scope);
    return tenants === 'all' || (tenantId !== null && tenants.includes(tenantId));
  }

  /** The actor written on events and in the audit log: the key, and for whom it acted when not itself. */
  actorFor(tenantId: string | null): string {
    if (this.actor) return tenantId && this.tenantId && tenantId !== this.tenantId ? `${this.actor} for tenant:${tenantId}` : this.actor;
    if (this.operator) return `operator:${this.lookupId}`;
    return tenantId && tenantId !== this.tenantId ? `key:${this.lookupId} for tenant:${tenantId}` : `key:${this.lookupId}`;
  }
}
