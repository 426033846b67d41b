import { loadConfig } from '../../config/index.js';
import { createLogger } from '../../log.js';
import { startAccessPoint } from '../../main.js';
import type { CliCommand } from '../command.js';

export const serve: CliCommand = {
  name: ['serve'],
  summary: 'Run the access point (HTTP server; embedded Postgres when DATABASE_URL is unset)',
  usage: 'serve',
  async run(args, io) {
    if (args.length > 0) {
      io.err(`serve takes no arguments (configuration comes from environment variables); got: ${args.join(' ')}`);
      return 2;
    }
    const config = loadConfig();
    const logger = createLogger(config.logging.level);
    const ap = await startAccessPoint(config, logger);
    let signals = 0;
    await new Promise<void>((resolve) => {
      const onSignal = (signal: NodeJS.Signals) => {
        if (++signals > 1) {
          logger.warn({ signal }, 'second signal: shutdown already in progress');
          return;
        }
        ap.shutdown(signal).then(resolve, (err) => {
          logger.error({ err }, 'shutdown failed');
          resolve();
        });
      };
      process.on('SIGTERM', onSignal);
      process.on('SIGINT', onSignal);
    });
    return 0;
  },
};
