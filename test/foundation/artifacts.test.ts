import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { zipSync } from 'fflate';
import { installArtifacts, readManifest, type Manifest } from '../../src/cli/commands/artifacts.js';
import { PROJECT_ROOT } from '../../src/config/index.js';
import { UBL_SCHEMAS_DIR } from '../support/artifacts.js';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('artifacts step', () => {
  const work = mkdtempSync(join(tmpdir(), 'artifacts-'));
  const real = readManifest(join(PROJECT_ROOT, 'ubl-schemas'));
  const xsd = real.artifacts[0]!;
  const files = Object.fromEntries(xsd.files.map((f) => [f.path, readFileSync(join(UBL_SCHEMAS_DIR, f.path))]));
  let server: Server;
  let base: string;
  const served = new Map<string, Uint8Array>();
  let hits = 0;

  before(async () => {
    server = createServer((req, res) => {
      hits++;
      const body = served.get(req.url!);
      res.statusCode = body ? 200 : 404;
      res.end(body ?? 'not found');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise((r) => server.close(r));
    rmSync(work, { recursive: true, force: true });
  });

  function manifestDir(name: string, m: Manifest): string {
    const dir = join(work, name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(m));
    return dir;
  }

  it('the committed manifests pin a SHA-256, version and source for every file', () => {
    for (const folder of ['ubl-schemas', 'schematron']) {
      const m = readManifest(join(PROJECT_ROOT, folder));
      for (const a of m.artifacts) {
        assert.ok(a.version && a.source && a.files.length > 0, a.name);
        for (const f of a.files) assert.match(f.sha256, /^[0-9a-f]{64}$/);
      }
    }
    const installed = readdirSync(join(UBL_SCHEMAS_DIR, 'maindoc'));
    assert.deepEqual(installed.sort(), ['UBL-ApplicationResponse-2.1.xsd', 'UBL-CreditNote-2.1.xsd', 'UBL-Invoice-2.1.xsd']);
  });

  it('downloads a pinned zip archive, checks every file, and installs it; a second run with --if-missing does nothing', async () => {
    const zip = zipSync(Object.fromEntries(Object.entries(files).map(([p, b]) => [`UBL-2.1/xsdrt/${p}`, b])));
    served.set('/UBL-2.1.zip', zip);
    const dir = manifestDir('zip', { artifacts: [{ ...xsd, download: { url: `${base}/UBL-2.1.zip`, sha256: sha(zip), root: 'UBL-2.1/xsdrt' } }] });
    const installDir = join(work, 'zip-installed');
    assert.equal(await installArtifacts({ manifestDir: dir, installDir }, { source: null, ifMissing: true }), xsd.files.length);
    for (const f of xsd.files) assert.equal(sha(readFileSync(join(installDir, f.path))), f.sha256);
    hits = 0;
    assert.equal(await installArtifacts({ manifestDir: dir, installDir }, { source: null, ifMissing: true }), 0);
    assert.equal(hits, 0, 'no download when everything is in place');
    // A file changed on disk is noticed and replaced.
    writeFileSync(join(installDir, xsd.files[0]!.path), 'tampered');
    assert.equal(await installArtifacts({ manifestDir: dir, installDir }, { source: null, ifMissing: true }), xsd.files.length);
    assert.equal(sha(readFileSync(join(installDir, xsd.files[0]!.path))), xsd.files[0]!.sha256);
  });

  it('downloads single files from a base URL', async () => {
    for (const [p, b] of Object.entries(files)) served.set(`/files/${p}`, b);
    const dir = manifestDir('files', { artifacts: [{ ...xsd, download: { url: `${base}/files/`, sha256: null, root: null } }] });
    const installDir = join(work, 'files-installed');
    assert.equal(await installArtifacts({ manifestDir: dir, installDir }, { source: null, ifMissing: false }), xsd.files.length);
  });

  it('downloads a file from its upstream path below the base URL (another folder, a name with spaces)', async () => {
    const [first, ...rest] = xsd.files;
    served.set(`/files/elsewhere/the%20first%20one.xsd`, files[first!.path]!);
    const moved = { ...xsd, files: [{ ...first!, upstream: 'elsewhere/the first one.xsd' }, ...rest], download: { url: `${base}/files/`, sha256: null, root: null } };
    const installDir = join(work, 'upstream-installed');
    assert.equal(await installArtifacts({ manifestDir: manifestDir('upstream', { artifacts: [moved] }), installDir }, { source: null, ifMissing: false }), xsd.files.length);
    assert.equal(sha(readFileSync(join(installDir, first!.path))), first!.sha256, 'installed under its own path');
  });

  it('every committed manifest entry can be downloaded: a pinned archive or base URL', () => {
    for (const folder of ['ubl-schemas', 'schematron']) {
      for (const a of readManifest(join(PROJECT_ROOT, folder)).artifacts) assert.match(a.download?.url ?? '', /^https?:\/\//, a.name);
    }
  });

  it('refuses a file whose SHA-256 differs, and writes nothing', async () => {
    const tampered = { ...files, [xsd.files[3]!.path]: Buffer.from('<xsd:schema/>') };
    const zip = zipSync(Object.fromEntries(Object.entries(tampered).map(([p, b]) => [`r/${p}`, b])));
    served.set('/bad.zip', zip);
    const dir = manifestDir('bad', { artifacts: [{ ...xsd, download: { url: `${base}/bad.zip`, sha256: null, root: 'r' } }] });
    const installDir = join(work, 'bad-installed');
    await assert.rejects(installArtifacts({ manifestDir: dir, installDir }, { source: null, ifMissing: false }), new RegExp(`SHA-256 [0-9a-f]{64} differs from the pinned ${xsd.files[3]!.sha256}`));
    assert.equal(existsSync(installDir), false);
  });

  it('refuses an archive whose pinned SHA-256 differs', async () => {
    served.set('/other.zip', zipSync({ 'x/readme.txt': Buffer.from('x') }));
    const dir = manifestDir('other', { artifacts: [{ ...xsd, download: { url: `${base}/other.zip`, sha256: 'f'.repeat(64), root: 'x' } }] });
    await assert.rejects(installArtifacts({ manifestDir: dir, installDir: join(work, 'other-installed') }, { source: null, ifMissing: false }), /differs from the pinned f{64}/);
  });

  it('copies from an ARTIFACTS_SOURCE folder, checking every file', async () => {
    const source = join(work, 'source');
    for (const [p, b] of Object.entries(files)) {
      mkdirSync(dirname(join(source, xsd.source, p)), { recursive: true });
      writeFileSync(join(source, xsd.source, p), b);
    }
    const dir = manifestDir('copy', { artifacts: [xsd] });
    const installDir = join(work, 'copy-installed');
    assert.equal(await installArtifacts({ manifestDir: dir, installDir }, { source, ifMissing: false }), xsd.files.length);
    // The validator reads the rule set releases from the manifest of the folder it loads.
    assert.equal(readFileSync(join(installDir, 'manifest.json'), 'utf8'), readFileSync(join(dir, 'manifest.json'), 'utf8'));
    rmSync(join(source, xsd.source, xsd.files[0]!.path));
    await assert.rejects(installArtifacts({ manifestDir: dir, installDir: join(work, 'copy2') }, { source, ifMissing: false }), /missing in ARTIFACTS_SOURCE/);
  });
});
