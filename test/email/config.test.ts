import assert from 'node:assert/strict';
import { loadConfig } from '../../src/config/index.js';

describe('the e-mail channel configuration', () => {
  it('is off without SMTP_HOST, with the documented defaults', () => {
    const { email } = loadConfig({});
    assert.equal(email.smtp, null);
    assert.deepEqual({ port: email.port, tls: email.tls, retry: email.retry, concurrency: email.concurrency }, { port: 587, tls: 'starttls', retry: { maxAttempts: 12, initialDelayMs: 60_000, maxDelayMs: 7_200_000 }, concurrency: 4 });
  });

  it('reads host, sender, TLS mode and credentials together', () => {
    const { email } = loadConfig({ SMTP_HOST: 'smtp.example.be', EMAIL_FROM: 'invoices@ap.example.be', SMTP_PORT: '465', SMTP_TLS: 'implicit', SMTP_USER: 'ap', SMTP_PASSWORD: 's3cret' });
    assert.deepEqual(email.smtp, { host: 'smtp.example.be', from: 'invoices@ap.example.be' });
    assert.deepEqual(email.credentials, { user: 'ap', password: 's3cret' });
    assert.equal(email.tls, 'implicit');
  });

  it('refuses every bad value at once, one line each', () => {
    assert.throws(
      () => loadConfig({ SMTP_HOST: 'smtp.example.be', EMAIL_FROM: 'not an address', SMTP_TLS: 'ssl', SMTP_USER: 'ap', DKIM_DOMAIN: 'example.be' }),
      (err: Error & { details?: { problems: string[] } }) => {
        const problems = err.details!.problems.join('\n');
        assert.match(problems, /EMAIL_FROM="not an address": expected an e-mail address/);
        assert.match(problems, /SMTP_TLS="ssl": expected one of starttls, implicit, none/);
        assert.match(problems, /SMTP_USER and SMTP_PASSWORD go together/);
        assert.match(problems, /DKIM_DOMAIN, DKIM_SELECTOR and DKIM_KEY_FILE go together/);
        return true;
      },
    );
    assert.throws(() => loadConfig({ SMTP_HOST: 'smtp.example.be' }), /SMTP_HOST and EMAIL_FROM go together/);
  });
});
