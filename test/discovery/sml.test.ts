import assert from 'node:assert/strict';
import { parseParticipantId } from '../../src/peppol/identifiers.js';
import { DnsZone, LocalDnsServer, LocalZoneSmlRegistrar } from '../../src/testing/local-dns.js';
import { applyNaptrRegexp, participantHashLabel, smlDnsName, SmlLocator } from '../../src/peppol/sml.js';
import { expectKind } from '../support/assert.js';

const ZONE = 'participant.sml.test.local';

describe('SML participant hash', () => {
  // peppol-reference §6.1 test vectors
  const vectors: Array<[string, string]> = [
    ['9915:test', 'eh5boavaktmbgzyh2a63dz4qov33fvp5nsdvqklucfraayoodw6a'],
    ['0088:1234567890123', 'sjsyvccmqyjxk3weuapffq4x3umcrf4qryherj4vovhmonh7gccq'],
    ['0088:123abc', 'y7dzfxaf3d4cjz4kcgrxtec6twvcga4ky7zwa5boif6mswd4tdrq'],
    ['0088:123ABC', 'y7dzfxaf3d4cjz4kcgrxtec6twvcga4ky7zwa5boif6mswd4tdrq'],
    ['0010:5798000000001', 'xukhfqabqziki3ykvr2fhr4snfa3pf5vpq6k4tonv3lmvsy5arvq'],
  ];
  for (const [value, label] of vectors) {
    it(`${value} → ${label.slice(0, 8)}…`, () => assert.equal(participantHashLabel(value), label));
  }

  it('builds the DNS name under the scheme and the zone', () => {
    assert.equal(
      smlDnsName(parseParticipantId('9915:test'), 'participant.sml.test.tech.peppol.org'),
      'eh5boavaktmbgzyh2a63dz4qov33fvp5nsdvqklucfraayoodw6a.iso6523-actorid-upis.participant.sml.test.tech.peppol.org',
    );
  });
});

describe('NAPTR regexp', () => {
  it('applies the substitution and keeps a path', () => {
    assert.equal(applyNaptrRegexp('!^.*$!https://test.erechnung.gv.at/smp!', 'x.y'), 'https://test.erechnung.gv.at/smp');
    assert.equal(applyNaptrRegexp('!^([a-z0-9]+)\\..*$!https://smp.example/\\1!', 'abc.iso'), 'https://smp.example/abc');
    assert.equal(applyNaptrRegexp('#^.*$#https://a!b#', 'x'), 'https://a!b');
    assert.equal(applyNaptrRegexp('!^nomatch$!https://x!', 'x'), null);
    assert.equal(applyNaptrRegexp('!^.*$!https://x', 'x'), null);
  });
});

describe('SML NAPTR lookup through a local DNS server', () => {
  const zone = new DnsZone(ZONE);
  const server = new LocalDnsServer(zone);
  const registrar = new LocalZoneSmlRegistrar(zone);
  let locator: SmlLocator;

  before(async () => {
    await server.listen();
    locator = new SmlLocator({ zone: ZONE, dnsServers: [server.address], timeoutMs: 500, tries: 1, requireHttps: true });
  });
  after(() => server.close());

  it('resolves a registered participant to its SMP URL with path', async () => {
    const p = parseParticipantId('0208:0123456749');
    await registrar.register(p, 'https://smp.example.test/path/smp/');
    const r = await locator.locate(p);
    assert.equal(r.smpUrl, 'https://smp.example.test/path/smp');
    assert.equal(r.dnsName, smlDnsName(p, ZONE));
    assert.equal(r.record.service, 'Meta:SMP');
  });

  it('picks the U / Meta:SMP record by order among others', async () => {
    const p = parseParticipantId('0088:111');
    zone.setNaptr(smlDnsName(p, ZONE), [
      { order: 10, preference: 10, flags: 'U', service: 'Meta:Other', regexp: '!^.*$!https://other!', replacement: '.' },
      { order: 30, preference: 10, flags: 'U', service: 'Meta:SMP', regexp: '!^.*$!https://late!', replacement: '.' },
      { order: 20, preference: 10, flags: 'U', service: 'Meta:SMP', regexp: '!^.*$!https://first!', replacement: '.' },
    ]);
    assert.equal((await locator.locate(p)).smpUrl, 'https://first');
  });

  it('reports an unregistered participant as not registered', async () => {
    const err = await expectKind(locator.locate(parseParticipantId('0088:nobody')), 'sml.not-registered');
    assert.equal(err.retryable, false);
  });

  it('reports records without a usable Meta:SMP record distinctly', async () => {
    const p = parseParticipantId('0088:222');
    zone.setNaptr(smlDnsName(p, ZONE), [
      { order: 10, preference: 10, flags: 'U', service: 'Meta:Other', regexp: '!^.*$!https://other!', replacement: '.' },
      { order: 20, preference: 10, flags: 'U', service: 'Meta:SMP', regexp: '!^.*$!http://plain!', replacement: '.' },
    ]);
    const err = await expectKind(locator.locate(p), 'sml.no-smp-record');
    assert.match(err.message, /not an HTTPS URL/);
  });

  it('reports a DNS technical failure as retryable', async () => {
    // A zone this server is not authoritative for is REFUSED.
    const other = new SmlLocator({ zone: 'elsewhere.example', dnsServers: [server.address], timeoutMs: 300, tries: 1 });
    const err = await expectKind(other.locate(parseParticipantId('0088:1')), 'sml.dns-failure');
    assert.equal(err.retryable, true);
  });

  it('times out against a silent DNS server', async () => {
    const dgram = await import('node:dgram');
    const silent = dgram.createSocket('udp4');
    await new Promise<void>((r) => silent.bind(0, '127.0.0.1', () => r()));
    try {
      const l = new SmlLocator({ zone: ZONE, dnsServers: [`127.0.0.1:${silent.address().port}`], timeoutMs: 200, tries: 1 });
      const started = Date.now();
      await expectKind(l.locate(parseParticipantId('0088:1')), 'sml.dns-failure');
      assert.ok(Date.now() - started < 3000);
    } finally {
      silent.close();
    }
  });
});
