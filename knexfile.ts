/**
 * knex configuration for tools that expect a knexfile. The program itself migrates at start-up and with
 * `peppol-ap migrate`; both use the same migration source (every file in src/store/migrations, by name)
 * and the same configuration (DATABASE_URL, DB_POOL_MAX).
 */
import type { Knex } from 'knex';
import { loadConfig } from './src/config/index.js';
import { migrationConfig } from './src/store/migrator.js';

const { database } = loadConfig();

const config: Knex.Config = {
  client: 'pg',
  ...(database.url ? { connection: database.url } : {}),
  pool: { min: 0, max: database.poolMax },
  migrations: migrationConfig,
};

export default config;
