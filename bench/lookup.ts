/**
 * Lookups per second, cold and cached: participant + document type → AS4 endpoint and certificate,
 * through a local authoritative DNS server (NAPTR) and a signed SMP over HTTP on 127.0.0.1.
 *
 *   npm run bench:lookup [-- --participants 200 --cached 200000 --concurrency 8]
 *
 * Cold = empty cache: DNS query, HTTP GET, RSA-SHA256 signature made by the SMP and verified by the client,
 * SMP and AP certificate chain checks. SMP and client share this process (and its cores), so the cold
 * figure includes the server's signing. Cached = answered from the lookup cache, no I/O.
 */
import { createSmpRouter } from '../src/http/smp.js';
import { knownDocumentType } from '../src/peppol/document-types.js';
import type { ParticipantIdentifier } from '../src/peppol/identifiers.js';
import type { SmpDirectory } from '../src/peppol/smp-directory.js';
import { startDiscoveryEnv } from '../test/support/discovery.js';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
}

const participantsCount = arg('participants', 200);
const cachedCount = arg('cached', 200_000);
const concurrency = arg('concurrency', 8);
const invoice = knownDocumentType('invoice')!;

const env = await startDiscoveryEnv();
const participants: ParticipantIdentifier[] = Array.from({ length: participantsCount }, (_, i) => ({
  scheme: 'iso6523-actorid-upis',
  value: `0088:${String(5790000000000 + i)}`,
}));
const hosted = new Set(participants.map((p) => p.value));
const directory: SmpDirectory = {
  documentTypes: async (p) => (hosted.has(p.value) ? [invoice.documentType] : null),
  serviceInformation: async (p, d) =>
    hosted.has(p.value) && d.value === invoice.documentType.value
      ? {
          participant: p,
          documentType: d,
          processes: [
            {
              process: invoice.process,
              endpoints: [
                {
                  transportProfile: 'peppol-transport-as4-v2_0',
                  address: 'https://ap.bench.local/as4',
                  requireBusinessLevelSignature: false,
                  certificate: env.apCert.cert.raw,
                  serviceDescription: 'bench',
                  technicalContactUrl: 'mailto:bench@bench.local',
                },
              ],
            },
          ],
        }
      : null,
};
env.mount('/smp', createSmpRouter({ directory, signingKey: { keyPem: env.smpCert.keyPem, certPem: env.smpCert.certPem } }));
for (const p of participants) await env.registrar.register(p, `${env.baseUrl}/smp`);

/** Lookups per second (wall clock) and CPU milliseconds per lookup (client and SMP together). */
async function cold(parallel: number): Promise<{ perSecond: number; cpuMs: number }> {
  const lookup = env.lookup();
  // Warm the JIT and the HTTP connection pool on participants outside the measured set.
  await lookup.lookup(participants[0]!, invoice.documentType);
  lookup.clearCache();
  let next = 0;
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < participants.length) await lookup.lookup(participants[next++]!, invoice.documentType);
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const used = process.cpuUsage(cpu);
  return { perSecond: participants.length / seconds, cpuMs: (used.user + used.system) / 1000 / participants.length };
}

const lookup = env.lookup();
for (const p of participants) await lookup.lookup(p, invoice.documentType);
const startedCached = process.hrtime.bigint();
for (let i = 0; i < cachedCount; i++) {
  const r = await lookup.lookup(participants[i % participants.length]!, invoice.documentType);
  if (!r.fromCache) throw new Error('expected a cache hit');
}
const cachedPerSecond = cachedCount / (Number(process.hrtime.bigint() - startedCached) / 1e9);

const coldSequential = await cold(1);
const coldParallel = await cold(concurrency);

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
console.log(`lookup bench: ${participantsCount} participants, node ${process.version}`);
console.log(`cold, sequential:        ${fmt(coldSequential.perSecond)} lookups/s, ${coldSequential.cpuMs.toFixed(2)} ms CPU per lookup (DNS + HTTP + signed SMP + certificate checks)`);
console.log(`cold, ${concurrency} concurrent:      ${fmt(coldParallel.perSecond)} lookups/s, ${coldParallel.cpuMs.toFixed(2)} ms CPU per lookup`);
console.log(`cached:                  ${fmt(cachedPerSecond)} lookups/s (${fmt(cachedCount)} lookups)`);
await env.close();
