/**
 * Bootstrap and administration of tenants, API keys and mandates from the command line, acting as an
 * operator (recorded in the audit log as `cli:<local user>`). Every command prints JSON; `keys create`
 * prints the secret, once.
 */
import { userInfo } from 'node:os';
import { loadHashKey } from '../../composition/auth.js';
import { buildStores, openCommandDatabase } from '../../composition/index.js';
import { loadConfig } from '../../config/index.js';
import { ApError } from '../../errors.js';
import { createLogger } from '../../log.js';
import { commandLineCaller, TenantsService, type Caller } from '../../services/tenants.js';
import type { CliCommand, CliIo } from '../command.js';
import { parseArgs, type ParsedArgs } from './discovery-args.js';

const TENANTS_USAGE = `tenants create --name <name> [--enterprise-number <ten digits>] [--country <CC>]
       tenants list
       tenants add-participant <tenant id> <participant> [--name <name>]
       tenants set-country <tenant id> <CC>`;
const KEYS_USAGE = `keys create (--tenant <tenant id> | --operator) --scopes <scope,...> [--name <name>] [--expires <ISO date-time>]
       keys list (--tenant <tenant id> | --operator)
       keys revoke <key id>

  scopes: send, inbox, respond, participants, webhooks, admin. The secret is printed once; only its
  keyed hash is stored.`;
const MANDATES_USAGE = `mandates grant --from <grantor tenant id> --to <grantee tenant id> --scopes <scope,...> [--until <ISO date-time>]
       mandates list --tenant <tenant id>
       mandates revoke <mandate id>`;

/** Runs `fn` with the tenants service over the configured database, as the local user. */
async function withService(fn: (service: TenantsService, by: Caller) => Promise<unknown>, io: CliIo): Promise<number> {
  const config = loadConfig();
  const logger = createLogger(config.logging.level === 'info' ? 'warn' : config.logging.level);
  const db = await openCommandDatabase(config, logger);
  try {
    const stores = buildStores(db.knex);
    const service = new TenantsService({ tenants: stores.tenants, keys: stores.apiKeys, audit: stores.audit, hashKey: await loadHashKey(config.auth.hashKeyFile) });
    io.out(JSON.stringify(await fn(service, commandLineCaller(userInfo().username)), null, 2));
    return 0;
  } finally {
    await db.close();
  }
}

function usageError(usage: string): never {
  throw new ApError('api.bad-request', `Usage: peppol-ap ${usage}`);
}

function required(a: ParsedArgs, option: string, usage: string): string {
  return a.options.get(option) ?? usageError(usage);
}

const scopesOf = (text: string) => text.split(',').map((s) => s.trim()).filter(Boolean);

export const tenants: CliCommand = {
  name: ['tenants'],
  summary: 'Create and list tenants, and give them participants',
  usage: TENANTS_USAGE,
  run(args, io) {
    const [verb, ...rest] = args;
    const a = parseArgs(rest, ['--name', '--enterprise-number', '--country'], []);
    switch (verb) {
      case 'create':
        if (a.positional.length) usageError(TENANTS_USAGE);
        return withService((s, by) => s.create(by, { name: required(a, '--name', TENANTS_USAGE), enterpriseNumber: a.options.get('--enterprise-number'), countryCode: a.options.get('--country') }), io);
      case 'list':
        return withService((s, by) => s.list(by), io);
      case 'add-participant': {
        const [tenantId, participant] = a.positional;
        if (!tenantId || !participant || a.positional.length !== 2) usageError(TENANTS_USAGE);
        return withService(async (s, by) => {
          const { participant: p, added } = await s.addParticipant(by, tenantId, participant, a.options.get('--name') ?? null);
          return { tenantId, participant: `${p.scheme}::${p.value}`, added };
        }, io);
      }
      case 'set-country': {
        const [tenantId, countryCode] = a.positional;
        if (!tenantId || !countryCode || a.positional.length !== 2) usageError(TENANTS_USAGE);
        return withService((s, by) => s.setCountry(by, tenantId, countryCode), io);
      }
      default:
        return usageError(TENANTS_USAGE);
    }
  },
};

function keyOwner(a: ParsedArgs): string | null {
  const tenant = a.options.get('--tenant');
  if ((tenant === undefined) === !a.flags.has('--operator')) usageError(KEYS_USAGE);
  return tenant ?? null;
}

export const keys: CliCommand = {
  name: ['keys'],
  summary: 'Create, list and revoke API keys of a tenant or of operators',
  usage: KEYS_USAGE,
  run(args, io) {
    const [verb, ...rest] = args;
    const a = parseArgs(rest, ['--tenant', '--scopes', '--name', '--expires'], ['--operator']);
    switch (verb) {
      case 'create': {
        const tenantId = keyOwner(a);
        const scopes = scopesOf(required(a, '--scopes', KEYS_USAGE));
        return withService(async (s, by) => {
          const { key, secret } = await s.createKey(by, { tenantId, scopes, name: a.options.get('--name'), expiresAt: a.options.get('--expires') ?? null });
          return { ...key, secret };
        }, io);
      }
      case 'list': {
        const tenantId = keyOwner(a);
        return withService((s, by) => s.keys(by, tenantId), io);
      }
      case 'revoke': {
        const [id] = a.positional;
        if (!id || a.positional.length !== 1) usageError(KEYS_USAGE);
        return withService((s, by) => s.revokeKey(by, id), io);
      }
      default:
        return usageError(KEYS_USAGE);
    }
  },
};

export const mandates: CliCommand = {
  name: ['mandates'],
  summary: 'Grant, list and revoke mandates (a tenant lets another act for it)',
  usage: MANDATES_USAGE,
  run(args, io) {
    const [verb, ...rest] = args;
    const a = parseArgs(rest, ['--from', '--to', '--scopes', '--until', '--tenant'], []);
    switch (verb) {
      case 'grant':
        return withService(
          (s, by) =>
            s.grantMandate(by, {
              grantorTenantId: required(a, '--from', MANDATES_USAGE),
              granteeTenantId: required(a, '--to', MANDATES_USAGE),
              scopes: scopesOf(required(a, '--scopes', MANDATES_USAGE)),
              validUntil: a.options.get('--until') ?? null,
            }),
          io,
        );
      case 'list': {
        const tenantId = required(a, '--tenant', MANDATES_USAGE);
        return withService((s, by) => s.mandates(by, tenantId), io);
      }
      case 'revoke': {
        const [id] = a.positional;
        if (!id || a.positional.length !== 1) usageError(MANDATES_USAGE);
        return withService((s, by) => s.revokeMandate(by, id), io);
      }
      default:
        return usageError(MANDATES_USAGE);
    }
  },
};
