/**
 * Migrations: every file of `migrations/` in name order (`YYYYMMDD_NNNN_what.ts`). Works the same from the
 * TypeScript sources (tests, tsx) and from the compiled `.js` in `dist/`: a migration is recorded under its
 * name without extension, so both runs see one history.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Knex } from 'knex';

const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'migrations');
const MIGRATION_FILE = /^(\d{8}_\d{4}_[\w-]+)\.(ts|js)$/;

interface MigrationModule {
  up(knex: Knex): Promise<void>;
  down?(knex: Knex): Promise<void>;
}

export class FolderMigrationSource implements Knex.MigrationSource<string> {
  constructor(private readonly dir: string = MIGRATIONS_DIR) {}

  async getMigrations(): Promise<string[]> {
    return readdirSync(this.dir)
      .filter((f) => MIGRATION_FILE.test(f) && !f.endsWith('.d.ts'))
      .sort();
  }

  getMigrationName(file: string): string {
    return file.replace(MIGRATION_FILE, '$1');
  }

  async getMigration(file: string): Promise<Knex.Migration> {
    const mod = (await import(pathToFileURL(join(this.dir, file)).href)) as MigrationModule;
    if (typeof mod.up !== 'function') throw new Error(`Migration ${file} exports no up()`);
    return { up: mod.up, ...(mod.down ? { down: mod.down } : {}) };
  }
}

export const migrationConfig: Knex.MigratorConfig = {
  migrationSource: new FolderMigrationSource(),
  tableName: 'knex_migrations',
};

/** Runs every pending migration; resolves with the names applied now (empty when up to date). */
export async function migrateLatest(knex: Knex): Promise<string[]> {
  const [, applied] = (await knex.migrate.latest(migrationConfig)) as [number, string[]];
  return applied;
}
