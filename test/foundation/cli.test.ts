import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CliCommand, CliIo } from '../../src/cli/command.js';
import { commands } from '../../src/cli/commands/index.js';
import { runCli } from '../../src/cli/main.js';
import { ApError } from '../../src/errors.js';
import { BASE_INVOICE } from '../support/artifacts.js';
import { createTestDatabase } from '../support/db.js';
import { runCliProcess } from '../support/process.js';

function capture(): CliIo & { stdout: string; stderr: string } {
  const io = {
    stdout: '',
    stderr: '',
    out: (t: string) => void (io.stdout += t + '\n'),
    err: (t: string) => void (io.stderr += t + '\n'),
  };
  return io;
}

describe('command line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cli-'));
  const valid = BASE_INVOICE;
  const invalid = join(dir, 'invalid.xml');
  const malformed = join(dir, 'malformed.xml');
  const dtd = join(dir, 'dtd.xml');
  before(() => {
    writeFileSync(invalid, readFileSync(valid, 'utf8').replace('<cbc:IssueDate>', '<cbc:Nope/><cbc:IssueDate>'));
    writeFileSync(malformed, '<Invoice><unclosed></Invoice>');
    writeFileSync(dtd, '<!DOCTYPE Invoice SYSTEM "http://127.0.0.1:9/x.dtd"><Invoice/>');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  describe('validate <file>: exit 0 valid, 1 invalid, 2 unusable input', () => {
    const cases: Array<[string, string[], number, RegExp]> = [
      ['a valid invoice', [valid], 0, /valid/i],
      ['an XSD-invalid invoice', [invalid], 1, /Nope.*not expected/],
      ['malformed XML', [malformed], 2, /PARSE/],
      ['a document with a DTD', [dtd], 2, /DOCTYPE/],
      ['a missing file', [join(dir, 'absent.xml')], 2, /ENOENT/],
      ['no file argument', [], 2, /Usage: peppol-ap validate/],
    ];
    for (const [name, args, code, text] of cases) {
      it(name, async () => {
        const io = capture();
        assert.equal(await runCli(['validate', ...args], io), code, io.stdout + io.stderr);
        assert.match(io.stdout + io.stderr, text);
      });
    }

    it('prints the report as JSON with --json', async () => {
      const io = capture();
      assert.equal(await runCli(['validate', '--json', invalid], io), 1);
      // One report, or a list of reports (one per file): either way the XSD error with its line.
      const parsed = JSON.parse(io.stdout);
      const report = Array.isArray(parsed) ? parsed[0] : parsed;
      assert.equal(report.valid, false);
      const issue = report.issues.find((i: { layer: string }) => i.layer === 'XSD');
      assert.ok(issue && issue.line > 1, JSON.stringify(report).slice(0, 500));
    });
  });

  it('exits 2 with the usage for no command, an unknown command and help for an unknown command', async () => {
    for (const args of [[], ['frobnicate'], ['help', 'frobnicate']]) {
      const io = capture();
      assert.equal(await runCli(args, io), 2, args.join(' '));
      assert.match(io.stderr, /Usage: peppol-ap <command>/);
    }
    const io = capture();
    assert.equal(await runCli(['help', 'validate'], io), 0);
    assert.match(io.stdout, /Usage: peppol-ap validate/);
  });

  it('knows help as a command: help help shows its usage and the command list names it', async () => {
    const io = capture();
    assert.equal(await runCli(['help', 'help'], io), 0);
    assert.match(io.stdout, /Usage: peppol-ap help \[command\]/);
    const list = capture();
    assert.equal(await runCli(['help'], list), 0);
    assert.match(list.stdout, /^ {2}help {2,}List the commands/m);
  });

  it('the README command table names every command, and only those', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('## Command line'), readme.indexOf('## Architecture'));
    const listed = [...section.matchAll(/^\| `([a-z0-9 -]+?)(?: [<\[]|`| list)/gm)].map((m) => m[1]);
    assert.deepEqual(listed.sort(), [...commands.map((c) => c.name.join(' ')), 'help'].sort());
  });

  it('picks the longest matching command name and passes the rest as arguments', async () => {
    const seen: string[] = [];
    const mk = (name: string[]): CliCommand => ({ name, summary: '', usage: '', run: async (args) => (seen.push(`${name.join(' ')}|${args.join(',')}`), 0) });
    await runCli(['as4', 'inspect', 'x'], capture(), [mk(['as4']), mk(['as4', 'inspect'])]);
    assert.deepEqual(seen, ['as4 inspect|x']);
  });

  it('exits 2 on bad configuration, naming each bad variable', async () => {
    const saved = { ...process.env };
    process.env.PORT = 'abc';
    process.env.LOG_LEVEL = 'loud';
    try {
      const io = capture();
      assert.equal(await runCli(['validate', valid], io), 2);
      assert.match(io.stderr, /PORT="abc"/);
      assert.match(io.stderr, /LOG_LEVEL="loud"/);
    } finally {
      process.env = saved;
    }
  });

  it('exits 70 with a message for people, not a stack, when a command fails on an ApError', async () => {
    const failing: CliCommand = {
      name: ['fail'],
      summary: '',
      usage: '',
      run: async () => {
        throw new ApError('validation.artifacts-missing', 'UBL 2.1 schemas not found; run `npm run artifacts`');
      },
    };
    const io = capture();
    assert.equal(await runCli(['fail'], io, [failing]), 70);
    assert.equal(io.stderr.trim(), 'fail failed: Validation artifacts are not installed: UBL 2.1 schemas not found; run `npm run artifacts`');
  });

  it('migrate applies the migrations to DATABASE_URL, then reports nothing to do', async () => {
    const db = await createTestDatabase({ migrate: false });
    const saved = process.env.DATABASE_URL;
    process.env.DATABASE_URL = db.url;
    try {
      const first = capture();
      assert.equal(await runCli(['migrate'], first), 0, first.stderr);
      assert.match(first.stdout, /Applied: 20261128_0001_initial/);
      assert.equal(await db.knex.schema.hasTable('documents'), true);
      const second = capture();
      assert.equal(await runCli(['migrate'], second), 0);
      assert.match(second.stdout, /Already up to date/);
    } finally {
      if (saved === undefined) delete process.env.DATABASE_URL;
      else process.env.DATABASE_URL = saved;
      await db.drop();
    }
  });

  it('the real process exits with the command code (0, 1, 2)', async function () {
    this.timeout(90_000);
    const [ok, bad, unusable] = await Promise.all([
      runCliProcess(['validate', valid]),
      runCliProcess(['validate', invalid]),
      runCliProcess(['validate', malformed]),
    ]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(bad.code, 1, bad.stderr);
    assert.equal(unusable.code, 2, unusable.stderr);
  });
});
