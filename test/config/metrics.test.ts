import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/index.js';
import { ApError } from '../../src/errors.js';

describe('metrics configuration', () => {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'metrics-config-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('defaults to /metrics on the main port, open', () => {
    assert.deepEqual({ ...loadConfig({ HOST: '127.0.0.1' }).metrics }, { enabled: true, port: null, host: '127.0.0.1', tokenFile: null });
  });

  it('reads its own port and address and the token file (trimmed)', () => {
    writeFileSync(join(dir, 'token'), 'abcdefghijklmnop-0123\n');
    const m = loadConfig({ METRICS_ENABLED: 'true', METRICS_PORT: '9464', METRICS_HOST: '10.0.0.5', METRICS_TOKEN_FILE: join(dir, 'token') }).metrics;
    assert.deepEqual({ ...m, tokenFile: { ...m.tokenFile } }, { enabled: true, port: 9464, host: '10.0.0.5', tokenFile: { file: join(dir, 'token'), token: 'abcdefghijklmnop-0123' } });
  });

  it('refuses a short or missing token file and the main port as the metrics port, one line each', () => {
    writeFileSync(join(dir, 'short'), 'short\n');
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig(env);
      } catch (err) {
        assert.ok(err instanceof ApError);
        return err.message;
      }
      assert.fail('accepted');
    };
    assert.match(problems({ METRICS_TOKEN_FILE: join(dir, 'short') }), /METRICS_TOKEN_FILE=.*short: expected one token of 16 to 4096 printable characters/);
    assert.match(problems({ METRICS_TOKEN_FILE: join(dir, 'missing') }), /METRICS_TOKEN_FILE=.*missing: cannot read the file \(ENOENT\)/);
    assert.match(problems({ PORT: '9000', METRICS_PORT: '9000' }), /METRICS_PORT=9000 is PORT/);
  });
});
