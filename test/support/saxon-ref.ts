/**
 * The reference validator (../shared/tools/saxon-ref: the UBL XSD and the official compiled schematrons
 * under Saxon-HE) as an oracle: one `check --json` call for a batch of documents, since its start-up costs
 * about a second. It validates against the shared artifacts folder, which holds the T111 and MLS rules the
 * project's own artifacts step does not install.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PROJECT_ROOT } from '../../src/config/index.js';

export const SAXON_REF = resolve(PROJECT_ROOT, process.env['SAXON_REF'] ?? '../shared/tools/saxon-ref');
/** The official artifacts: schemas, rules and the example documents (the same folder `npm run artifacts` copies from). */
export const SHARED_ARTIFACTS = resolve(PROJECT_ROOT, process.env['ARTIFACTS_SOURCE'] ?? '../shared/artifacts');

export interface Fired {
  layer: string;
  id: string;
  flag: string;
  location: string;
}

/** Why the reference cannot run here, or null. */
export function saxonRefMissing(): string | null {
  if (!existsSync(join(SAXON_REF, 'run.sh'))) return `no saxon-ref at ${SAXON_REF}`;
  if (!existsSync('/usr/share/java/Saxon-HE.jar')) return 'no Saxon-HE (apt-get install libsaxonhe-java)';
  if (spawnSync('java', ['-version']).status !== 0) return 'no java';
  return null;
}

/** What the reference fires on each document, by the name it was given. */
export function saxonRefCheck(documents: Map<string, string>): Map<string, Fired[]> {
  const dir = mkdtempSync(join(tmpdir(), 'saxon-ref-'));
  try {
    const files = [...documents].map(([name, xml]) => {
      const file = join(dir, `${name.replace(/[^\w.-]/g, '_')}.xml`);
      writeFileSync(file, xml);
      return [file, name] as const;
    });
    const run = spawnSync('sh', [join(SAXON_REF, 'run.sh'), 'check', '--json', ...files.map(([f]) => f)], {
      env: { ...process.env, ARTIFACTS: SHARED_ARTIFACTS },
      encoding: 'utf8',
      maxBuffer: 1 << 26,
    });
    // check exits non-zero when a document is invalid; only missing output is a failure of the tool.
    const lines = run.stdout.split('\n').filter((l) => l.trim());
    if (lines.length !== files.length) throw new Error(`saxon-ref gave ${lines.length} results for ${files.length} files (exit ${run.status}): ${run.stderr}`);
    const byFile = new Map(files);
    return new Map(
      lines.map((l) => {
        const r = JSON.parse(l) as { file: string; fired: Fired[] };
        return [byFile.get(r.file)!, r.fired];
      }),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
