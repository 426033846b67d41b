/**
 * The e-mail channel's settings as use cases: a tenant's language, outbound fallback and notification
 * subscriptions (scope `participants`: the tenant's own set-up), and a hosted participant's pick-up delay
 * (scope `participants` for the tenant owning it). Anything the caller may not act for is answered as
 * absent.
 */
import type { Principal } from '../auth/principal.js';
import { isValidAddress } from '../email/address.js';
import { EMAIL_LANGUAGES, NOTIFICATION_EVENTS } from '../email/texts.js';
import { ApError } from '../errors.js';
import { parseParticipantId } from '../peppol/identifiers.js';
import type { FallbackMode, Language, PickupSettings, PostgresEmailStore, TenantEmailSettings } from '../store/email.js';
import type { PostgresTenantStore } from '../store/tenants.js';

export type { PickupSettings, TenantEmailSettings };

/** Mercurius' range of pick-up delays: one hour to five days. */
export const PICKUP_DELAY_SECONDS = { min: 3600, max: 5 * 86_400 };
const FALLBACKS: readonly FallbackMode[] = ['off', 'always', 'on_peppol_failure'];

const bad = (field: string, message: string) => new ApError('api.bad-request', message, { field });

function address(v: unknown, field: string): string {
  if (typeof v !== 'string' || !isValidAddress(v.trim())) throw bad(field, `${field}: a valid e-mail address is expected`);
  return v.trim();
}

export class EmailSettingsService {
  constructor(private readonly deps: { store: PostgresEmailStore; tenants: Pick<PostgresTenantStore, 'get' | 'tenantOfParticipant'> }) {}

  async tenantSettings(principal: Principal, tenantId: string): Promise<TenantEmailSettings> {
    await this.visibleTenant(principal, tenantId);
    return this.deps.store.tenantSettings(tenantId);
  }

  async saveTenantSettings(principal: Principal, tenantId: string, input: Record<string, unknown>): Promise<TenantEmailSettings> {
    await this.visibleTenant(principal, tenantId);
    const { language, fallback, notificationAddress, notificationEvents } = input;
    if (!EMAIL_LANGUAGES.includes(language as Language)) throw bad('language', `language: one of ${EMAIL_LANGUAGES.join(', ')}`);
    if (!FALLBACKS.includes(fallback as FallbackMode)) throw bad('fallback', `fallback: one of ${FALLBACKS.join(', ')}`);
    const events = notificationEvents ?? [];
    if (!Array.isArray(events) || events.some((e) => !NOTIFICATION_EVENTS.includes(e)) || new Set(events).size !== events.length) {
      throw bad('notificationEvents', `notificationEvents: distinct values of ${NOTIFICATION_EVENTS.join(', ')}`);
    }
    const to = notificationAddress === null || notificationAddress === undefined ? null : address(notificationAddress, 'notificationAddress');
    if (events.length > 0 && to === null) throw bad('notificationAddress', 'notificationAddress is required to subscribe to notifications');
    return this.deps.store.saveTenantSettings(tenantId, { language: language as Language, fallback: fallback as FallbackMode, notificationAddress: to, notificationEvents: events as string[] });
  }

  async pickupDelay(principal: Principal, participantText: string): Promise<PickupSettings | null> {
    const participant = await this.ownParticipant(principal, participantText);
    return (await this.deps.store.pickupSettings([participant])).get(participant) ?? null;
  }

  async savePickupDelay(principal: Principal, participantText: string, input: Record<string, unknown>): Promise<PickupSettings> {
    const participant = await this.ownParticipant(principal, participantText);
    const { delaySeconds } = input;
    const { min, max } = PICKUP_DELAY_SECONDS;
    if (typeof delaySeconds !== 'number' || !Number.isInteger(delaySeconds) || delaySeconds < min || delaySeconds > max) {
      throw bad('delaySeconds', `delaySeconds: a whole number from ${min} (one hour) to ${max} (five days)`);
    }
    const settings = { participant, delaySeconds, functionalAddress: address(input['functionalAddress'], 'functionalAddress') };
    await this.deps.store.savePickupSettings(settings);
    return settings;
  }

  async deletePickupDelay(principal: Principal, participantText: string): Promise<void> {
    await this.deps.store.deletePickupSettings(await this.ownParticipant(principal, participantText));
  }

  private async visibleTenant(principal: Principal, tenantId: string): Promise<void> {
    if (!principal.can('participants', tenantId) || !(await this.deps.tenants.get(tenantId))) throw new ApError('api.not-found', `Tenant ${tenantId} not found`);
  }

  /** The participant's value (`0208:…`, lower case), when it is hosted here for a tenant the caller may act for. */
  private async ownParticipant(principal: Principal, participantText: string): Promise<string> {
    const p = parseParticipantId(participantText);
    const tenantId = await this.deps.tenants.tenantOfParticipant(p.value);
    if (!tenantId || !principal.can('participants', tenantId)) throw new ApError('api.not-found', `Participant ${participantText} not found`);
    return p.value.toLowerCase();
  }
}
