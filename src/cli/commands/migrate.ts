import { openCommandDatabase } from '../../composition/index.js';
import { loadConfig } from '../../config/index.js';
import { createLogger } from '../../log.js';
import type { CliCommand } from '../command.js';

export const migrate: CliCommand = {
  name: ['migrate'],
  summary: 'Apply pending database migrations (the server also does this at start-up)',
  usage: 'migrate',
  async run(args, io) {
    if (args.length > 0) {
      io.err(`migrate takes no arguments; got: ${args.join(' ')}`);
      return 2;
    }
    const config = loadConfig();
    const logger = createLogger(config.logging.level === 'info' ? 'warn' : config.logging.level);
    const db = await openCommandDatabase(config, logger);
    try {
      io.out(db.applied.length ? `Applied: ${db.applied.join(', ')}` : 'Already up to date');
    } finally {
      await db.close();
    }
    return 0;
  },
};
