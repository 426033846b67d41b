/**
 * Hostile input against the access point as `serve` starts it: an anonymous AS4 envelope and an API
 * document shaped to make an XML parser work in quadratic time are refused at once, and while they are,
 * the liveness probe and an ordinary submission (through the same validation worker) answer in
 * milliseconds.
 */
import { senderAuth } from '../support/auth.js';
import assert from 'node:assert/strict';
import type { AccessPoint } from '../../src/main.js';
import { TEST_SML_ZONE } from '../support/discovery.js';
import { manyAttributeEnvelope, manyAttributeInvoice } from '../support/hostile-xml.js';
import { startServedAp, type ServedAp } from '../support/served-ap.js';
import { belgianParticipant, startNetwork, ublDocument, type E2eNetwork } from './harness.js';

const BOUNDARY = 'hostile-input-boundary';

/** A multipart/related AS4 request whose root part is the given SOAP envelope. */
function as4Request(envelope: string): { headers: Record<string, string>; body: string } {
  return {
    headers: { 'content-type': `multipart/related; boundary="${BOUNDARY}"; type="application/soap+xml"; start="<root@hostile.test>"` },
    body: `--${BOUNDARY}\r\nContent-Type: application/soap+xml; charset=UTF-8\r\nContent-ID: <root@hostile.test>\r\n\r\n${envelope}\r\n--${BOUNDARY}--\r\n`,
  };
}

/** Status, body and milliseconds from sending to the end of the answer. */
async function timed(url: string, init?: RequestInit): Promise<{ status: number; text: string; ms: number }> {
  const t0 = performance.now();
  const res = await fetch(url, init);
  const text = await res.text();
  return { status: res.status, text, ms: performance.now() - t0 };
}

describe('served access point under hostile XML: refused at once, other requests unaffected', function () {
  this.timeout(120_000);
  let net: E2eNetwork;
  let served: ServedAp;
  let ap: AccessPoint;
  const supplier = belgianParticipant(5656565);
  const buyer = belgianParticipant(7878787);

  let auth: Record<string, string> = {};
  before(async () => {
    net = await startNetwork();
    served = await startServedAp({
      prefix: 'ap_hostile',
      ap: net.env.pki.issueAp('PBE000611'),
      trust: net.env.pki.trustedPems,
      smp: net.env.smpCert,
      env: {
        SML_ZONE: TEST_SML_ZONE,
        SML_DNS_SERVERS: net.env.dns.address,
        SMP_REQUIRE_HTTPS: 'false',
        INBOUND_VALIDATION_WORKERS: '1', // one worker: a document that kept it busy would delay every other
      },
    });
    ap = served.ap;
    auth = await senderAuth(served.tenants, [supplier]);
  });
  after(async () => {
    await served?.close();
    await net?.close();
  });

  const submit = (xml: Buffer | string) => ({
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/xml' },
    body: typeof xml === 'string' ? xml : new Uint8Array(xml),
  });

  it('refuses a 0.94 MB envelope with 110,000 attributes and a 789 KB document with 88,745, while /healthz and an invoice answer in milliseconds', async () => {
    // Warm: the worker and the routes have run, as on a server that has been up for a while; the second
    // submission, alone, is the baseline (on a machine loaded by other work the bound follows it).
    let alone = { status: 0, text: '', ms: 0 };
    for (let k = 0; k < 2; k++) alone = await timed(`${ap.url}/api/v1/documents?resend=true`, submit(ublDocument('invoice', supplier, buyer)));
    assert.equal(alone.status, 201, alone.text.slice(0, 500));
    const bound = Math.max(500, 4 * alone.ms);

    // Every body built before the clocks start.
    const envelope = as4Request(manyAttributeEnvelope());
    const hostileDocument = submit(manyAttributeInvoice());
    const ordinary = submit(ublDocument('invoice', supplier, buyer));
    const hostile = Promise.all([timed(`${ap.url}/as4`, { method: 'POST', ...envelope }), timed(`${ap.url}/api/v1/documents?resend=true`, hostileDocument)]);
    const answered = hostile.then(() => true);
    // /healthz from the same moment until both are answered: a probe sent once the bodies are in, while
    // a parser works, is the one a stalled event loop would hold.
    const probe = async () => {
      const probes: Array<{ status: number; ms: number }> = [];
      do probes.push(await timed(`${ap.url}/healthz`));
      while (!(await Promise.race([answered, new Promise<boolean>((r) => setTimeout(() => r(false), 20))])));
      return probes;
    };
    const [[as4, document], probes, invoice] = await Promise.all([hostile, probe(), timed(`${ap.url}/api/v1/documents?resend=true`, ordinary)]);
    const healthMs = Math.max(...probes.map((p) => p.ms));
    const figures = `invoice alone ${alone.ms.toFixed(0)} ms; AS4 ${as4.status} in ${as4.ms.toFixed(0)} ms, document ${document.status} in ${document.ms.toFixed(0)} ms, /healthz in at most ${healthMs.toFixed(0)} ms (${probes.length} probes), invoice ${invoice.status} in ${invoice.ms.toFixed(0)} ms`;

    assert.equal(as4.status, 413, `${figures}: ${as4.text.slice(0, 500)}`);
    assert.match(as4.text, /more than 256 attributes on element 'eb:Messaging'/);
    // The same refusal as over AS4: input.too-large (413), not a malformed-XML 400.
    assert.equal(document.status, 413, `${figures}: ${document.text.slice(0, 500)}`);
    assert.match(document.text, /"error":"input.too-large"/);
    assert.match(document.text, /more than 256 attributes on element 'cbc:CustomizationID'/);
    assert.ok(probes.every((p) => p.status === 200), figures);
    assert.equal(invoice.status, 201, `${figures}: ${invoice.text.slice(0, 500)}`);
    assert.ok(healthMs < bound && invoice.ms < bound, figures);
    assert.ok(as4.ms < 2 * bound && document.ms < 2 * bound, figures);
  });
});
