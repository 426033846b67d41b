/**
 * People who sign in to the operator console: `console-users create` makes an operator or a tenant's
 * admin and prints a generated password once (or takes one from standard input with --password-stdin,
 * never from the command line, where other users of the machine could read it). Acting as an operator,
 * recorded in the audit log as `cli:<local user>`.
 */
import { userInfo } from 'node:os';
import { buildStores, openCommandDatabase } from '../../composition/index.js';
import { loadConfig } from '../../config/index.js';
import { ApError } from '../../errors.js';
import { createLogger } from '../../log.js';
import { ConsoleUsersService } from '../../services/console-users.js';
import { commandLineCaller, type Caller } from '../../services/tenants.js';
import type { CliCommand, CliIo } from '../command.js';
import { parseArgs } from './discovery-args.js';

const USAGE = `console-users create <name> (--operator | --tenant <tenant id>) [--password-stdin]
       console-users list
       console-users reset-password <name> [--password-stdin]
       console-users disable <name>

  Without --password-stdin a password is generated and printed once. Sign in at /console/.`;

function usageError(): never {
  throw new ApError('api.bad-request', `Usage: peppol-ap ${USAGE}`);
}

async function readStdin(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) {
    text += String(chunk);
    if (text.length > 4096) throw new ApError('api.bad-request', 'The password on standard input is too long');
  }
  return text.replace(/\r?\n$/, '');
}

async function withService(fn: (service: ConsoleUsersService, by: Caller) => Promise<unknown>, io: CliIo): Promise<number> {
  const config = loadConfig();
  const logger = createLogger(config.logging.level === 'info' ? 'warn' : config.logging.level);
  const db = await openCommandDatabase(config, logger);
  try {
    const stores = buildStores(db.knex);
    const service = new ConsoleUsersService({ store: stores.console, tenants: stores.tenants, audit: stores.audit, idleSeconds: config.console.idleMinutes * 60 });
    io.out(JSON.stringify(await fn(service, commandLineCaller(userInfo().username)), null, 2));
    return 0;
  } finally {
    await db.close();
  }
}

export const consoleUsers: CliCommand = {
  name: ['console-users'],
  summary: 'Create, list, reset and disable the people who sign in to the operator console',
  usage: USAGE,
  async run(args, io) {
    const [verb, ...rest] = args;
    const a = parseArgs(rest, ['--tenant'], ['--operator', '--password-stdin']);
    const password = a.flags.has('--password-stdin') ? await readStdin() : undefined;
    const [name] = a.positional;
    switch (verb) {
      case 'create': {
        const tenantId = a.options.get('--tenant') ?? null;
        if (!name || a.positional.length !== 1 || (tenantId === null) !== a.flags.has('--operator')) usageError();
        return withService(async (s, by) => {
          const { user, password: secret } = await s.create(by, { name, role: tenantId ? 'tenant-admin' : 'operator', tenantId, ...(password !== undefined ? { password } : {}) });
          return { ...user, ...(password === undefined ? { password: secret } : {}) };
        }, io);
      }
      case 'list':
        if (a.positional.length) usageError();
        return withService((s, by) => s.list(by), io);
      case 'reset-password':
        if (!name || a.positional.length !== 1) usageError();
        return withService(async (s, by) => {
          const { user, password: secret } = await s.resetPassword(by, name, password);
          return { ...user, ...(password === undefined ? { password: secret } : {}) };
        }, io);
      case 'disable':
        if (!name || a.positional.length !== 1) usageError();
        return withService((s, by) => s.disable(by, name), io);
      default:
        return usageError();
    }
  },
};
