/** PostgreSQL: a server of ours, or the embedded one started when DATABASE_URL is unset. */
import { folder, int, postgresUrl } from './parsers.js';
import { variable } from './spec.js';

export const database = {
  url: variable('DATABASE_URL', postgresUrl, {
    description: 'PostgreSQL server, `postgres://user:password@host:5432/database`. Unset: start the embedded PostgreSQL.',
  }),
  poolMax: variable('DB_POOL_MAX', int(1, 1000), { default: '10', description: 'Largest number of pooled database connections.' }),
  embedded: {
    dir: variable('EMBEDDED_PG_DIR', folder, {
      default: 'data/postgres',
      description: 'Data folder of the embedded PostgreSQL (created and initialised on first start).',
    }),
    port: variable('EMBEDDED_PG_PORT', int(1, 65535), { default: '54329', description: 'Port of the embedded PostgreSQL (listens on 127.0.0.1 only).' }),
  },
};
