import assert from 'node:assert/strict';
import { loadConfig } from '../../src/config/index.js';
import { ApError } from '../../src/errors.js';
import { runCliProcess } from '../support/process.js';

describe('bearer tokens (ADMIN_TOKEN, INBOX_TOKEN)', () => {
  const problemsOf = (load: () => unknown): string[] => {
    try {
      load();
    } catch (e) {
      assert.ok(e instanceof ApError && e.kind === 'config.invalid', String(e));
      return e.details!.problems as string[];
    }
    assert.fail('accepted the configuration');
  };

  it('refuses a token shorter than 16 characters, naming its length but never the token', () => {
    assert.deepEqual(problemsOf(() => loadConfig({ INBOX_TOKEN: 'x' })), ['INBOX_TOKEN is 1 character long; a bearer token needs at least 16 (e.g. openssl rand -hex 32)']);
    const problems = problemsOf(() => loadConfig({ ADMIN_TOKEN: 'short-secret', SML_ZONE: 'not a zone' }));
    assert.equal(problems.length, 2, 'reported with the other bad values');
    assert.ok(problems.includes('ADMIN_TOKEN is 12 characters long; a bearer token needs at least 16 (e.g. openssl rand -hex 32)'), problems.join('\n'));
    assert.ok(!problems.join('\n').includes('short-secret'));
    // INBOX_TOKEN defaults to ADMIN_TOKEN, which is checked as its stand-in.
    assert.match(problemsOf(() => loadConfig({ ADMIN_TOKEN: 'short-secret' }))[0]!, /^ADMIN_TOKEN is 12 characters long/);
  });

  it('accepts tokens of 16 characters and more', () => {
    const { tokens } = loadConfig({ ADMIN_TOKEN: '0123456789abcdef' });
    assert.equal(tokens.inbox, '0123456789abcdef');
    assert.equal(tokens.admin, '0123456789abcdef');
  });

  it('serve refuses to start with a one-character ADMIN_TOKEN: its problem line, exit code 2', async () => {
    const run = await runCliProcess(['serve'], { ADMIN_TOKEN: 'x', INBOX_TOKEN: undefined, DATABASE_URL: 'postgres://127.0.0.1:1/none', LOG_LEVEL: 'silent' });
    assert.equal(run.code, 2, run.stderr);
    assert.equal(run.stderr.trim(), 'Invalid configuration:\n  ADMIN_TOKEN is 1 character long; a bearer token needs at least 16 (e.g. openssl rand -hex 32)');
  });
});
