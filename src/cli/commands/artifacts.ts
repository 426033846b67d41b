/**
 * `peppol-ap artifacts`: installs the pinned official validation artifacts into `ubl-schemas/` and
 * `schematron/`, as the manifests committed in those folders list them (version, source, SHA-256 of
 * every file). Source: the folder ARTIFACTS_SOURCE names (a copy of the official files, laid out as
 * /work/shared/artifacts), else the pinned download URLs. Every file is checked against its SHA-256 before
 * anything is written, so a failed install leaves the folders as they were.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { unzipSync } from 'fflate';
import { PROJECT_ROOT, loadConfig } from '../../config/index.js';
import type { CliCommand, CliIo } from '../command.js';

export interface ManifestFile {
  path: string;
  sha256: string;
  /** Where the file is below a base download URL when not at `path` (another folder, or renamed upstream). */
  upstream?: string;
}

export interface ManifestArtifact {
  name: string;
  version: string;
  license?: string;
  /** Folder inside the install folder. */
  target: string;
  /** Folder inside ARTIFACTS_SOURCE. */
  source: string;
  /**
   * Pinned download: a zip archive (`root` = folder inside it holding the files) or, when `root` is null,
   * a base URL the file paths (or their `upstream` paths) are appended to. `sha256` pins the archive
   * itself when known.
   */
  download: { url: string; sha256: string | null; root: string | null } | null;
  files: ManifestFile[];
}

export interface Manifest {
  about?: string;
  artifacts: ManifestArtifact[];
}

export interface InstallTarget {
  /** Folder holding manifest.json (in the repository). */
  manifestDir: string;
  /** Folder the files are installed into (configurable; the manifest's folder by default). */
  installDir: string;
}

export interface InstallOptions {
  /** Folder laid out like /work/shared/artifacts; null = download. */
  source: string | null;
  /** Only install when a file is missing or differs. */
  ifMissing: boolean;
  fetchTimeoutMs?: number;
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

export function readManifest(dir: string): Manifest {
  const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
  for (const a of m.artifacts) {
    for (const f of a.files) {
      if (!/^[0-9a-f]{64}$/.test(f.sha256) || f.path.includes('..') || isAbsolute(f.path)) {
        throw new Error(`manifest ${dir}/manifest.json: bad entry ${JSON.stringify(f)}`);
      }
    }
  }
  return m;
}

/** Files that are missing or whose content differs from the manifest. */
export function staleFiles(target: InstallTarget, manifest: Manifest): string[] {
  const stale: string[] = [];
  for (const a of manifest.artifacts) {
    for (const f of a.files) {
      const p = join(target.installDir, a.target, f.path);
      if (!existsSync(p) || sha256(readFileSync(p)) !== f.sha256) stale.push(join(a.target, f.path));
    }
  }
  return stale;
}

async function fetchBytes(url: string, timeoutMs: number): Promise<Uint8Array> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'follow' });
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

/** Reads every file of one artifact from the source folder or its download, checking each SHA-256. */
async function collect(a: ManifestArtifact, opts: InstallOptions): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  let fromArchive: Record<string, Uint8Array> | null = null;
  if (!opts.source) {
    if (!a.download) throw new Error(`${a.name}: no download source pinned; set ARTIFACTS_SOURCE`);
    if (a.download.root !== null) {
      const zip = await fetchBytes(a.download.url, opts.fetchTimeoutMs ?? 120_000);
      if (a.download.sha256 && sha256(zip) !== a.download.sha256) {
        throw new Error(`${a.download.url}: SHA-256 ${sha256(zip)} differs from the pinned ${a.download.sha256}`);
      }
      const wanted = new Set(a.files.map((f) => `${a.download!.root}/${f.path}`));
      fromArchive = unzipSync(zip, { filter: (entry) => wanted.has(entry.name) });
    }
  }
  for (const f of a.files) {
    let bytes: Uint8Array | undefined;
    let origin: string;
    if (opts.source) {
      origin = join(opts.source, a.source, f.path);
      if (!existsSync(origin)) throw new Error(`${origin}: missing in ARTIFACTS_SOURCE`);
      bytes = readFileSync(origin);
    } else if (fromArchive) {
      origin = `${a.download!.url}!${a.download!.root}/${f.path}`;
      bytes = fromArchive[`${a.download!.root}/${f.path}`];
      if (!bytes) throw new Error(`${origin}: not in the archive`);
    } else {
      origin = a.download!.url + encodeURI(f.upstream ?? f.path);
      bytes = await fetchBytes(origin, opts.fetchTimeoutMs ?? 120_000);
    }
    const actual = sha256(bytes);
    if (actual !== f.sha256) {
      throw new Error(`${origin}: SHA-256 ${actual} differs from the pinned ${f.sha256} (${a.name} ${a.version})`);
    }
    out.set(join(a.target, f.path), bytes);
  }
  return out;
}

/**
 * An install folder other than the manifest's gets a copy of the manifest: the validator reads the rule
 * set releases (document type, layer, effective date) from the folder it loads (src/validation/rule-sets.ts).
 */
function copyManifest(target: InstallTarget): void {
  if (resolve(target.installDir) === resolve(target.manifestDir)) return;
  const text = readFileSync(join(target.manifestDir, 'manifest.json'));
  const dest = join(target.installDir, 'manifest.json');
  if (existsSync(dest) && readFileSync(dest).equals(text)) return;
  mkdirSync(target.installDir, { recursive: true });
  writeFileSync(`${dest}.tmp-${process.pid}`, text);
  renameSync(`${dest}.tmp-${process.pid}`, dest);
}

/** Installs one folder's artifacts; resolves with the number of files written (0 when up to date). */
export async function installArtifacts(target: InstallTarget, opts: InstallOptions, io?: CliIo): Promise<number> {
  const manifest = readManifest(target.manifestDir);
  if (opts.ifMissing && staleFiles(target, manifest).length === 0) {
    copyManifest(target);
    return 0;
  }
  const files = new Map<string, Uint8Array>();
  for (const a of manifest.artifacts) {
    io?.out(`  ${a.name} ${a.version} from ${opts.source ? join(opts.source, a.source) : a.download?.url}`);
    for (const [p, b] of await collect(a, opts)) files.set(p, b);
  }
  // Everything checked: write (each file via a temporary name, so no reader sees half a file).
  for (const [p, b] of files) {
    const dest = join(target.installDir, p);
    mkdirSync(dirname(dest), { recursive: true });
    writeFileSync(`${dest}.tmp-${process.pid}`, b);
    renameSync(`${dest}.tmp-${process.pid}`, dest);
  }
  copyManifest(target);
  return files.size;
}

export const artifacts: CliCommand = {
  name: ['artifacts'],
  summary: 'Install the pinned validation artifacts into ubl-schemas/ and schematron/ (SHA-256 checked)',
  usage: 'artifacts [--if-missing]\n\n  Source: ARTIFACTS_SOURCE (a folder laid out like shared/artifacts, relative to the project root),\n  else the pinned download URLs of the manifests.',
  async run(args, io) {
    const unknown = args.filter((a) => a !== '--if-missing');
    if (unknown.length) {
      io.err(`Unknown argument: ${unknown.join(' ')}\nUsage: peppol-ap ${this.usage}`);
      return 2;
    }
    const config = loadConfig().validation;
    const source = config.artifactsSource;
    const targets: InstallTarget[] = [
      { manifestDir: join(PROJECT_ROOT, 'ubl-schemas'), installDir: config.ublSchemasDir },
      { manifestDir: join(PROJECT_ROOT, 'schematron'), installDir: config.schematronDir },
    ];
    const ifMissing = args.includes('--if-missing');
    try {
      for (const t of targets) {
        const n = await installArtifacts(t, { source, ifMissing }, io);
        io.out(n ? `Installed ${n} files into ${t.installDir}` : `${t.installDir}: up to date`);
      }
    } catch (err) {
      io.err(`artifacts: ${err instanceof Error ? err.message : String(err)}`);
      return 1;
    }
    return 0;
  },
};
