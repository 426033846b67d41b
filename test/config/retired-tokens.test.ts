import assert from 'node:assert/strict';
import { loadConfig } from '../../src/config/index.js';
import { ApError } from '../../src/errors.js';
import { runCliProcess } from '../support/process.js';

describe('retired bearer tokens (ADMIN_TOKEN, INBOX_TOKEN): API keys replaced them', () => {
  const problemsOf = (load: () => unknown): string[] => {
    try {
      load();
    } catch (e) {
      assert.ok(e instanceof ApError && e.kind === 'config.invalid', String(e));
      return e.details!.problems as string[];
    }
    assert.fail('accepted the configuration');
  };

  it('refuses either one when set, saying what replaced it and never echoing the secret', () => {
    const problems = problemsOf(() => loadConfig({ ADMIN_TOKEN: 'old-admin-secret-0123', INBOX_TOKEN: 'old-inbox-secret-0123', SML_ZONE: 'not a zone' }));
    assert.equal(problems.length, 3, 'reported with the other bad values');
    assert.match(problems.find((p) => p.startsWith('ADMIN_TOKEN'))!, /^ADMIN_TOKEN is no longer used: create an operator key with `peppol-ap keys create --operator/);
    assert.match(problems.find((p) => p.startsWith('INBOX_TOKEN'))!, /^INBOX_TOKEN is no longer used: .*--scopes inbox/);
    assert.ok(!problems.join('\n').includes('old-'), 'the secrets are not echoed');
  });

  it('serve refuses to start with ADMIN_TOKEN set: its problem line, exit code 2', async () => {
    const run = await runCliProcess(['serve'], { ADMIN_TOKEN: 'x', INBOX_TOKEN: undefined, DATABASE_URL: 'postgres://127.0.0.1:1/none', LOG_LEVEL: 'silent' });
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr.trim(), /^Invalid configuration:\n {2}ADMIN_TOKEN is no longer used: /);
  });
});
