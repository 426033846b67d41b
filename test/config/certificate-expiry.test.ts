/** The alert before our AP certificate expires: a warning inside AP_CERT_EXPIRY_WARNING_DAYS, an error after. */
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { Writable } from 'node:stream';
import { Closers } from '../../src/composition/closers.js';
import { watchCertificateExpiry } from '../../src/composition/certificate-expiry.js';
import { createTestPki } from '../../src/testing/test-pki.js';

const DAY = 86_400_000;

function capture() {
  const lines: Array<{ level: number; msg: string; daysLeft?: number; certificate?: string }> = [];
  const logger = pino({ level: 'info' }, new Writable({ write: (chunk, _enc, done) => void (lines.push(JSON.parse(String(chunk))), done()) }));
  return { logger, lines };
}

describe('AP certificate expiry alert', () => {
  const pki = createTestPki();
  const current = pki.issueAp('POP000301');
  const notAfter = new Date(current.cert.validTo).getTime();

  for (const [label, when, level, pattern] of [
    ['says nothing 60 days before notAfter', notAfter - 60 * DAY, null, null],
    ['warns 10 days before notAfter', notAfter - 10 * DAY - 1000, 40, /expires in 10 days/],
    ['logs an error a day after notAfter', notAfter + DAY, 50, /has EXPIRED/],
  ] as const) {
    it(`${label} (30-day warning)`, async () => {
      const { logger, lines } = capture();
      const closers = new Closers(logger);
      watchCertificateExpiry([{ role: 'current', certificate: current.cert }], 30 * DAY, logger, closers, () => new Date(when));
      await new Promise((r) => setImmediate(r));
      const alerts = lines.filter((l) => l.level >= 40);
      if (level === null) assert.deepEqual(alerts, []);
      else {
        assert.equal(alerts.length, 1);
        assert.equal(alerts[0]!.level, level);
        assert.match(alerts[0]!.msg, pattern!);
        assert.equal(alerts[0]!.certificate, 'current');
      }
      await closers.closeAll(Date.now() + 1000);
    });
  }

  it('says when the previous certificate of a rollover can be removed', async () => {
    const { logger, lines } = capture();
    const closers = new Closers(logger);
    watchCertificateExpiry([{ role: 'previous', certificate: current.cert }], 30 * DAY, logger, closers, () => new Date(notAfter + DAY));
    await new Promise((r) => setImmediate(r));
    assert.ok(lines.some((l) => l.certificate === 'previous' && /can be removed/.test(l.msg)));
    assert.ok(!lines.some((l) => l.level >= 40));
    await closers.closeAll(Date.now() + 1000);
  });
});
