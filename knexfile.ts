/**
 * knex configuration for tools that expect a knexfile. The program itself migrates at start-up and with
 * `peppol-ap migrate`; both use the same migration source (every file in src/store/migrations, by name).
 */
import type { Knex } from 'knex';
import { migrationConfig } from './src/store/migrator.js';

const config: Knex.Config = {
  client: 'pg',
  connection: process.env.DATABASE_URL,
  pool: { min: 0, max: 10 },
  migrations: migrationConfig,
};

export default config;
