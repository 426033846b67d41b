/**
 * A discovery network on 127.0.0.1 for tests and the lookup benchmark: a test PKI, an authoritative DNS
 * server for a local SML zone with its registrar, and an HTTP server on which SMP routers are mounted.
 * Every request reaching the HTTP server is counted, so tests can assert that a lookup used no HTTP.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Router } from 'express';
import { errorHandler, notFound } from '../../src/http/errors.js';
import { DnsZone, LocalDnsServer, LocalZoneSmlRegistrar } from '../../src/testing/local-dns.js';
import { PeppolLookup, type PeppolLookupOptions } from '../../src/peppol/lookup.js';
import { PeppolCertificateValidator, TrustStore } from '../../src/pki/index.js';
import { createTestPki, type IssuedCertificate, type TestPki } from '../../src/testing/test-pki.js';

export const TEST_SML_ZONE = 'participant.sml.test.local';

export interface DiscoveryEnv {
  pki: TestPki;
  smpCert: IssuedCertificate;
  apCert: IssuedCertificate;
  validator: PeppolCertificateValidator;
  zone: DnsZone;
  dns: LocalDnsServer;
  registrar: LocalZoneSmlRegistrar;
  /** http://127.0.0.1:<port> */
  baseUrl: string;
  /** HTTP requests received so far. */
  httpRequests(): number;
  mount(path: string, router: Router): void;
  lookup(options?: Partial<PeppolLookupOptions>): PeppolLookup;
  close(): Promise<void>;
}

export async function startDiscoveryEnv(): Promise<DiscoveryEnv> {
  const pki = createTestPki();
  const smpCert = pki.issueSmp('SMP TEST ONE');
  const apCert = pki.issueAp('PBE000001');
  const validator = new PeppolCertificateValidator({
    trustStore: TrustStore.create({ roots: pki.trustedPems.roots, ap: pki.trustedPems.ap, smp: pki.trustedPems.smp }),
    revocation: { mode: 'off' },
  });
  const zone = new DnsZone(TEST_SML_ZONE);
  const dns = new LocalDnsServer(zone);
  await dns.listen();

  let requests = 0;
  const mounts = express.Router();
  const app = express();
  app.use((_req, _res, next) => {
    requests++;
    next();
  });
  app.use(mounts);
  app.use(notFound);
  app.use(errorHandler);
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    pki,
    smpCert,
    apCert,
    validator,
    zone,
    dns,
    registrar: new LocalZoneSmlRegistrar(zone),
    baseUrl: `http://127.0.0.1:${port}`,
    httpRequests: () => requests,
    mount: (path, router) => void mounts.use(path, router),
    lookup: (options = {}) =>
      new PeppolLookup({
        sml: { zone: TEST_SML_ZONE, dnsServers: [dns.address], timeoutMs: 1000, tries: 1, requireHttps: false },
        validator,
        smpTimeoutMs: 3000,
        ...options,
      }),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await dns.close();
    },
  };
}
