import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../src/cli/main.js';
import { createSmpRouter } from '../../src/http/smp.js';
import { knownDocumentType } from '../../src/peppol/document-types.js';
import { parseParticipantId, type DocumentTypeIdentifier, type ParticipantIdentifier } from '../../src/peppol/identifiers.js';
import type { SmpDirectory } from '../../src/peppol/smp-directory.js';
import { signSmpResponse } from '../../src/peppol/smp-signature.js';
import { signedServiceMetadataXml, type ServiceInformation } from '../../src/peppol/smp-xml.js';
import { buildSbd } from '../../src/sbdh/build.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { startDiscoveryEnv, TEST_SML_ZONE, type DiscoveryEnv } from '../support/discovery.js';

const invoice = knownDocumentType('invoice')!;
const A = parseParticipantId('0208:0123456749');

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(args, { out: (t) => void (out += t + '\n'), err: (t) => void (err += t + '\n') });
  return { code, out, err };
}

describe('discovery CLI', function () {
  this.timeout(20_000);
  let dir: string;
  let env: DiscoveryEnv;
  let trust: string;
  let info: ServiceInformation;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'discovery-cli-'));
    env = await startDiscoveryEnv();
    trust = join(dir, 'trust.pem');
    writeFileSync(trust, [...env.pki.trustedPems.roots, ...env.pki.trustedPems.ap, ...env.pki.trustedPems.smp].join('\n'));
    info = {
      participant: A,
      documentType: invoice.documentType,
      processes: [
        {
          process: invoice.process,
          endpoints: [
            {
              transportProfile: 'peppol-transport-as4-v2_0',
              address: 'https://ap.test.local/as4',
              requireBusinessLevelSignature: false,
              certificate: env.apCert.cert.raw,
              serviceDescription: 'test',
              technicalContactUrl: 'mailto:x@test.local',
            },
          ],
        },
      ],
    };
    const directory: SmpDirectory = {
      documentTypes: async (p: ParticipantIdentifier) => (p.value === A.value ? [invoice.documentType] : null),
      serviceInformation: async (p: ParticipantIdentifier, d: DocumentTypeIdentifier) =>
        p.value === A.value && d.value === invoice.documentType.value ? info : null,
    };
    env.mount('/smp', createSmpRouter({ directory, signingKey: { keyPem: env.smpCert.keyPem, certPem: env.smpCert.certPem } }));
    await env.registrar.register(A, `${env.baseUrl}/smp`);
  });

  after(async () => {
    await env?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('sbdh check', () => {
    const base = {
      sender: A,
      receiver: parseParticipantId('0208:0403170701'),
      documentType: invoice.documentType,
      process: invoice.process,
      countryC1: 'BE',
    };
    it('exits 0 with a JSON report for a valid SBD wrapping a PDF', async () => {
      const file = join(dir, 'pdf.xml');
      writeFileSync(
        file,
        buildSbd({
          ...base,
          documentType: { scheme: 'busdox-docid-qns', value: 'urn:example:pdf' },
          documentIdentification: { standard: 'urn:example:pdf', type: 'PDF', typeVersion: '1.7' },
          payload: { binary: Buffer.from('%PDF-1.7 test'), mimeType: 'application/pdf' },
        }),
      );
      const r = await cli('sbdh', 'check', file);
      assert.equal(r.code, 0, r.out + r.err);
      const report = JSON.parse(r.out);
      assert.equal(report.valid, true);
      assert.equal(report.payload.mimeType, 'application/pdf');
      assert.equal(report.header.sender, 'iso6523-actorid-upis::0208:0123456749');
    });
    it('exits 1 naming the failing field', async () => {
      const file = join(dir, 'bad.xml');
      const xml = buildSbd({ ...base, payload: { xml: '<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"/>' } });
      writeFileSync(file, xml.replace(/<Scope><Type>COUNTRY_C1<\/Type>.*?<\/Scope>/, ''));
      const r = await cli('sbdh', 'check', file);
      assert.equal(r.code, 1);
      assert.deepEqual(JSON.parse(r.out).issues.map((i: { field: string }) => i.field), ['BusinessScope/Scope[COUNTRY_C1]']);
    });
    it('exits 1 for XML that is not well-formed and 2 for a missing file', async () => {
      const file = join(dir, 'broken.xml');
      writeFileSync(file, '<StandardBusinessDocument>');
      assert.equal((await cli('sbdh', 'check', file)).code, 1);
      assert.equal((await cli('sbdh', 'check', join(dir, 'nope.xml'))).code, 2);
    });
  });

  describe('smp verify', () => {
    let signed: string;
    before(() => {
      signed = signSmpResponse(signedServiceMetadataXml({ kind: 'information', information: info }), {
        keyPem: env.smpCert.keyPem,
        certPem: env.smpCert.certPem,
      });
    });
    it('exits 0 for a valid signed response and prints signer and endpoints', async () => {
      const file = join(dir, 'smp.xml');
      writeFileSync(file, signed);
      const r = await cli('smp', 'verify', file, '--trust', trust);
      assert.equal(r.code, 0, r.out + r.err);
      const report = JSON.parse(r.out);
      assert.equal(report.valid, true);
      assert.match(report.signer.subject, /SMP TEST ONE/);
      assert.equal(report.content.processes[0].endpoints[0].address, 'https://ap.test.local/as4');
    });
    it('exits 1 for a tampered response', async () => {
      const file = join(dir, 'smp-tampered.xml');
      writeFileSync(file, signed.replace('https://ap.test.local/as4', 'https://ap.test.local/as5'));
      const r = await cli('smp', 'verify', file, '--trust', trust);
      assert.equal(r.code, 1);
      assert.equal(JSON.parse(r.out).error, 'smp.bad-signature');
    });
    it('checks the signer certificate at the --at time', async () => {
      const file = join(dir, 'smp.xml');
      const r = await cli('smp', 'verify', file, '--trust', trust, '--at', '2100-01-01T00:00:00Z');
      assert.equal(r.code, 1);
      assert.equal(JSON.parse(r.out).error, 'pki.expired');
    });
  });

  describe('lookup', () => {
    const common = () => ['--zone', TEST_SML_ZONE, '--dns', env.dns.address, '--allow-http', '--trust', trust];
    it('prints the resolution chain', async () => {
      const r = await cli('lookup', '0208:0123456749', 'invoice', ...common());
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, /DNS name\s+\w+\.iso6523-actorid-upis\.participant\.sml\.test\.local/);
      assert.match(r.out, /NAPTR\s+100 10 "U" "Meta:SMP"/);
      assert.match(r.out, /endpoint\s+https:\/\/ap\.test\.local\/as4 \(peppol-transport-as4-v2_0\)/);
      assert.match(r.out, /SHA-256\s+[0-9A-F:]{95}/);
      assert.match(r.out, /cache\s+miss/);
    });
    it('lists the document types without a document type argument', async () => {
      const r = await cli('lookup', '0208:0123456749', ...common(), '--json');
      assert.equal(r.code, 0, r.err);
      assert.deepEqual(JSON.parse(r.out).documentTypes, [`busdox-docid-qns::${invoice.documentType.value}`]);
    });
    it('exits 1 with the error kind for an unregistered participant', async () => {
      const r = await cli('lookup', '0208:0403170701', 'invoice', ...common());
      assert.equal(r.code, 1);
      assert.match(r.err, /sml\.not-registered/);
    });
  });

  describe('participants', () => {
    let db: TestDatabase;
    let saved: string | undefined;
    before(async () => {
      db = await createTestDatabase();
      saved = process.env.DATABASE_URL;
      process.env.DATABASE_URL = db.url;
    });
    after(async () => {
      if (saved === undefined) delete process.env.DATABASE_URL;
      else process.env.DATABASE_URL = saved;
      await db?.drop();
    });
    it('adds, lists and removes hosted participants and document types', async () => {
      let r = await cli('participants', 'add', '0208:0123456749', 'invoice', '--name', 'Buyer', '--country', 'BE');
      assert.equal(r.code, 0, r.err);
      r = await cli('participants', 'add-doctype', '0208:0123456749', 'creditnote', '--endpoint', 'https://other.test.local/as4', '--until', '2030-01-01T00:00:00Z');
      assert.equal(r.code, 0, r.err);
      r = await cli('participants', 'list', '--json');
      const [p] = JSON.parse(r.out);
      assert.equal(p.participant.value, '0208:0123456749');
      assert.equal(p.capabilities.length, 2);
      assert.equal(p.capabilities[1].endpointUrl, 'https://other.test.local/as4');
      assert.equal((await cli('participants', 'add', '0208:0123456749')).code, 1); // already hosted
      assert.equal((await cli('participants', 'remove-doctype', '0208:0123456749', 'creditnote')).code, 0);
      assert.equal((await cli('participants', 'remove', '0208:0123456749')).code, 0);
      r = await cli('participants', 'list');
      assert.match(r.out, /No hosted participants/);
      assert.equal((await cli('participants', 'add', '0208:0123456789')).code, 2); // invalid identifier: usage error
    });
  });
});
