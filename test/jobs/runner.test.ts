/**
 * The durable job runner (src/jobs/runner.ts) on a real database: sharing one table between runners,
 * leases and their recovery, the retry policy by error class, concurrency limits, enqueueing in a
 * transaction, waking, holding a job for its first run here, stopping.
 */
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import type { Knex } from 'knex';
import { pino } from 'pino';
import { INTERNAL_MAX_ATTEMPTS, type RetryPolicy } from '../../src/core/retry.js';
import { ApError } from '../../src/errors.js';
import { JobRunner, SETTLED, type JobKind, type JobRun } from '../../src/jobs/runner.js';
import { createKnex } from '../../src/store/db.js';
import { PostgresJobStore } from '../../src/store/jobs.js';
import { until } from '../support/assert.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

const logger = pino({ level: 'silent' });
const FAST: RetryPolicy = { maxAttempts: 5, initialDelayMs: 20, multiplier: 1, maxDelayMs: 20 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('job runner', function () {
  this.timeout(60_000);
  let db: TestDatabase;
  let store: PostgresJobStore;
  const runners: JobRunner[] = [];
  const pools: Knex[] = [];
  let kindNo = 0;

  before(async () => {
    db = await createTestDatabase();
    store = new PostgresJobStore(db.knex);
  });
  afterEach(async () => {
    for (const r of runners.splice(0)) await r.stop(1000);
  });
  after(async () => {
    for (const p of pools) await p.destroy();
    await db?.drop();
  });

  /** A runner on its own pool (as another process would have), started, with the kinds given. */
  async function runner(kinds: Array<JobKind<any>>, options: { concurrency?: number; pollIntervalMs?: number } = {}): Promise<JobRunner> {
    const pool = createKnex({ url: db.url, poolMax: 5 });
    pools.push(pool);
    const r = new JobRunner(new PostgresJobStore(pool), { concurrency: options.concurrency ?? 16, pollIntervalMs: options.pollIntervalMs ?? 25, logger });
    for (const k of kinds) r.register(k);
    await r.start();
    runners.push(r);
    return r;
  }

  /** A kind with a name of its own (jobs of earlier tests stay in the table) running `handle`. */
  function kind<P>(handle: (run: JobRun<P>) => Promise<void | typeof SETTLED>, options: Partial<JobKind<P>> = {}): JobKind<P> {
    return { kind: `test-${++kindNo}`, retry: FAST, concurrency: 8, leaseMs: 30_000, handle, ...options };
  }

  const jobsOf = async (k: JobKind<any>): Promise<string[]> => (await db.knex('jobs').where({ kind: k.kind }).orderBy('id').select('id')).map((r) => String(r.id));
  const job = async (id: string) => (await store.get(id))!;
  const enqueueMany = (k: JobKind<any>, n: number) =>
    db.knex.raw(`INSERT INTO jobs (kind, payload, max_attempts) SELECT ?, jsonb_build_object('n', g), ? FROM generate_series(1, ?) g`, [k.kind, k.retry.maxAttempts, n]);

  it('two runners on one database (two pools) never run one job twice', async () => {
    const runs = new Map<string, number>();
    const byRunner = [0, 0];
    const k = kind(async () => {});
    const counting = (i: number): JobKind<unknown> => ({
      ...k,
      async handle(run) {
        runs.set(run.job.id, (runs.get(run.job.id) ?? 0) + 1);
        byRunner[i]!++;
        await sleep(Math.random() * 3);
      },
    });
    await enqueueMany(k, 600);
    await Promise.all([runner([counting(0)]), runner([counting(1)])]);
    await until('600 jobs done', async () => Number((await db.knex('jobs').where({ kind: k.kind, status: 'done' }).count({ n: '*' }))[0]!.n) === 600);
    assert.equal(runs.size, 600);
    assert.deepEqual([...new Set(runs.values())], [1], 'every job ran exactly once');
    assert.ok(byRunner[0]! > 0 && byRunner[1]! > 0, `both runners took jobs: ${byRunner}`);
    assert.equal(Number((await db.knex('jobs').where({ kind: k.kind }).whereNot({ attempts: 1 }).count({ n: '*' }))[0]!.n), 0);
  });

  it('an expired lease is recovered: a second runner takes the job of a runner that died mid-run', async () => {
    const k = kind<{ x: number }>(async () => {});
    const dead = 'dead-host:1:gone';
    await store.enqueue({ kind: k.kind, payload: { x: 1 }, maxAttempts: 3 });
    const [claimed] = await store.claimDue([{ kind: k.kind, limit: 1, leaseMs: 400 }], 1, dead); // claimed, never finished
    assert.deepEqual([claimed!.status, claimed!.attempts, claimed!.leasedBy], ['running', 1, dead]);
    const started = Date.now();
    await runner([k]);
    const done = await until('the job done by the second runner', async () => {
      const j = await job(claimed!.id);
      return j.status === 'done' && j;
    });
    assert.ok(Date.now() - started >= 300, 'not before the lease ran out');
    assert.equal(done.attempts, 2, 'the interrupted attempt counts');
    assert.deepEqual(done.lastError, { kind: 'interrupted', message: 'lease expired: its runner stopped or hung' });
  });

  it('an interrupted job on its last attempt is dead, not run again', async () => {
    const k = kind(async () => assert.fail('must not run'));
    await store.enqueue({ kind: k.kind, payload: {}, maxAttempts: 1 });
    const [claimed] = await store.claimDue([{ kind: k.kind, limit: 1, leaseMs: 50 }], 1, 'dead-host:1:gone');
    await sleep(100);
    await runner([k]);
    const j = await until('dead', async () => (await job(claimed!.id)).status === 'dead' && job(claimed!.id));
    assert.equal(j.lastError?.kind, 'interrupted');
  });

  it('at start-up gives back at once the jobs of a runner of this host that is gone, not those of live runners', async () => {
    const k = kind(async () => {});
    await store.enqueue({ kind: k.kind, payload: { n: 1 }, maxAttempts: 3 });
    await store.enqueue({ kind: k.kind, payload: { n: 2 }, maxAttempts: 3 });
    const [mine] = await store.claimDue([{ kind: k.kind, limit: 1, leaseMs: 3_600_000 }], 1, `${hostname()}:${process.pid}:former-life`);
    const live = await runner([]); // a runner of this process, running: its jobs are not taken
    const [theirs] = await store.claimDue([{ kind: k.kind, limit: 1, leaseMs: 3_600_000 }], 1, live.id);
    await runner([k], { pollIntervalMs: 3_600_000 }); // no poll but the first: recovery at start-up only
    const j = await until('the orphan done', async () => (await job(mine!.id)).status === 'done' && job(mine!.id));
    assert.deepEqual([j.attempts, j.lastError?.kind], [2, 'interrupted']);
    assert.match(j.lastError!.message, /resumed at start-up/);
    assert.deepEqual([(await job(theirs!.id)).status, (await job(theirs!.id)).leasedBy], ['running', live.id]);
  });

  it('backs off exponentially between transient failures, with jitter in [d/2, d]', async () => {
    const policy: RetryPolicy = { maxAttempts: 5, initialDelayMs: 100, multiplier: 3, maxDelayMs: 10_000 };
    const delays: number[] = [];
    const k = kind(
      async () => {
        throw new ApError('as4.transport-failed', 'connection refused');
      },
      { retry: policy },
    );
    const created = (await store.enqueue({ kind: k.kind, payload: {}, maxAttempts: policy.maxAttempts }))!;
    await runner([k], { pollIntervalMs: 10 });
    let seen = 0;
    const final = await until(
      'failed after 5 attempts',
      async () => {
        const j = await job(created.id);
        if (j.status === 'queued' && j.attempts > seen) {
          seen = j.attempts;
          delays.push(j.runAt.getTime() - j.updatedAt.getTime()); // both written by the failure's statement
        }
        return j.status === 'failed' && j;
      },
      30_000,
    );
    assert.equal(final.attempts, 5);
    assert.deepEqual(final.lastError, { kind: 'as4.transport-failed', message: 'connection refused' });
    assert.equal(delays.length, 4, `one delay per retry: ${delays}`);
    delays.forEach((d, i) => {
      const full = 100 * 3 ** i;
      assert.ok(d >= full / 2 - 2 && d <= full + 2, `delay ${i + 1} = ${d} ms, expected within [${full / 2}, ${full}]`);
      if (i > 0) assert.ok(d > delays[i - 1]!, `delays grow: ${delays}`);
    });
  });

  it('does not retry an internal error (a programming error) as if it were transient', async () => {
    let runs = 0;
    const k = kind(
      async () => {
        runs++;
        throw new TypeError("Cannot read properties of undefined (reading 'id')");
      },
      { retry: { ...FAST, maxAttempts: 10 } },
    );
    const created = (await store.enqueue({ kind: k.kind, payload: {}, maxAttempts: 10 }))!;
    await runner([k], { pollIntervalMs: 10 });
    const j = await until('dead', async () => (await job(created.id)).status === 'dead' && job(created.id));
    await sleep(100);
    assert.equal(runs, INTERNAL_MAX_ATTEMPTS, 'a few attempts, not the ten a transient error gets');
    assert.ok(INTERNAL_MAX_ATTEMPTS < 10);
    assert.deepEqual([j.attempts, j.lastError?.kind], [INTERNAL_MAX_ATTEMPTS, 'internal']);
    assert.match(j.lastError!.message, /Cannot read properties/);
  });

  it('ends a job at once on a permanent error', async () => {
    let runs = 0;
    const k = kind(async () => {
      runs++;
      throw new ApError('sml.not-registered', 'Participant 0208:0000000097 is not registered');
    });
    const created = (await store.enqueue({ kind: k.kind, payload: {}, maxAttempts: 5 }))!;
    await runner([k], { pollIntervalMs: 10 });
    const j = await until('failed', async () => (await job(created.id)).status === 'failed' && job(created.id));
    await sleep(100);
    assert.deepEqual([runs, j.attempts, j.lastError?.kind], [1, 1, 'sml.not-registered']);
  });

  it('enqueues in the caller\'s transaction: a rollback leaves no job, a commit one (once per unique key)', async () => {
    const k = kind(async () => {});
    const r = await runner([k], { pollIntervalMs: 3_600_000 });
    await assert.rejects(
      db.knex.transaction(async (tx) => {
        assert.ok(await r.enqueue(k.kind, { n: 1 }, { uniqueKey: 'doc-1' }, tx));
        throw new Error('the document insert failed');
      }),
      /document insert failed/,
    );
    assert.equal((await jobsOf(k)).length, 0, 'no job after the rollback');
    const first = await db.knex.transaction((tx) => r.enqueue(k.kind, { n: 2 }, { uniqueKey: 'doc-1' }, tx));
    assert.ok(first);
    assert.equal(await r.enqueue(k.kind, { n: 3 }, { uniqueKey: 'doc-1' }), null, 'one job per kind and key');
    assert.equal((await jobsOf(k)).length, 1);
  });

  it('wakes at once after an enqueue, without waiting for the poll interval', async () => {
    const done: number[] = [];
    const k = kind<{ at: number }>(async (run) => {
      done.push(Date.now() - run.job.payload.at);
    });
    const r = await runner([k], { pollIntervalMs: 3_600_000 });
    await sleep(50); // the start-up poll is over
    const job = await r.enqueue(k.kind, { at: Date.now() });
    assert.ok(job);
    r.wake();
    await until('run', async () => done.length === 1);
    assert.ok(done[0]! < 1000, `ran after ${done[0]} ms`);
  });

  it('drains a backlog of one kind beyond its limit as its slots free, not one batch per poll (other kinds idle)', async () => {
    const k = kind(async () => {}, { concurrency: 4 });
    const idle = kind(async () => {});
    await enqueueMany(k, 40);
    // The runner asks for more than this kind's limit (the idle kind's slots too); 40 jobs are 10 of its batches.
    await runner([k, idle], { concurrency: 16, pollIntervalMs: 3_600_000 });
    await until('40 jobs done', async () => Number((await db.knex('jobs').where({ kind: k.kind, status: 'done' }).count({ n: '*' }))[0]!.n) === 40, 10_000);
  });

  it('respects the concurrency limit of each kind and of the runner', async () => {
    const now = new Map<string, number>();
    const max = new Map<string, number>();
    let total = 0;
    let maxTotal = 0;
    const slow = (name: string) => async () => {
      now.set(name, (now.get(name) ?? 0) + 1);
      total++;
      max.set(name, Math.max(max.get(name) ?? 0, now.get(name)!));
      maxTotal = Math.max(maxTotal, total);
      await sleep(30);
      now.set(name, now.get(name)! - 1);
      total--;
    };
    const a = kind(slow('a'), { concurrency: 3 });
    const b = kind(slow('b'), { concurrency: 4 });
    await enqueueMany(a, 30);
    await enqueueMany(b, 30);
    await runner([a, b], { concurrency: 5, pollIntervalMs: 10 });
    await until('all done', async () => Number((await db.knex('jobs').whereIn('kind', [a.kind, b.kind]).where({ status: 'done' }).count({ n: '*' }))[0]!.n) === 60, 30_000);
    assert.equal(max.get('a'), 3, 'kind a at its limit, never above');
    assert.ok(max.get('b')! <= 4 && max.get('b')! >= 2, `kind b: ${max.get('b')}`);
    assert.equal(maxTotal, 5, 'the runner at its limit, never above');
  });

  it('runs a job held for it at once, without claiming it; a stop gives back held jobs that did not start', async () => {
    const ran: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const k = kind<{ n: number }>(
      async (run) => {
        ran.push(run.job.id);
        await gate;
        await store.settle(run.lease, { status: 'done' });
        return SETTLED;
      },
      { concurrency: 1 },
    );
    const r = await runner([k], { pollIntervalMs: 3_600_000 });
    const hold = r.hold(k.kind, 30_000)!;
    const held = await Promise.all([1, 2].map((n) => store.enqueue({ kind: k.kind, payload: { n }, maxAttempts: 3, heldBy: hold })));
    for (const j of held) {
      assert.deepEqual([j!.status, j!.attempts, j!.leasedBy], ['running', 1, r.id]);
      r.runHere(k.kind, j!.id, j!.payload);
    }
    await until('the first running', async () => ran.length === 1);
    assert.deepEqual(ran, [held[0]!.id], 'one at a time (concurrency 1)');
    const stopping = r.stop(5000);
    await sleep(50);
    assert.equal((await job(held[1]!.id)).status, 'queued', 'the waiting one is given back at once');
    assert.equal((await job(held[1]!.id)).attempts, 0, 'its attempt did not happen');
    assert.equal((await job(held[0]!.id)).status, 'running', 'stop waits for the running handler');
    release();
    await stopping;
    assert.equal((await job(held[0]!.id)).status, 'done');
    assert.equal(r.hold(k.kind, 30_000), null, 'a stopped runner holds nothing');
  });

  it('records nothing for a runner whose lease was taken over', async () => {
    const k = kind(async () => {});
    await store.enqueue({ kind: k.kind, payload: {}, maxAttempts: 3 });
    const [claimed] = await store.claimDue([{ kind: k.kind, limit: 1, leaseMs: 30_000 }], 1, 'host:1:a');
    const lease = { jobId: claimed!.id, runnerId: 'host:1:a', attempts: 1 };
    assert.equal(await store.settle({ ...lease, runnerId: 'host:1:b' }, { status: 'done' }), false);
    assert.equal(await store.settle({ ...lease, attempts: 2 }, { status: 'done' }), false);
    assert.equal((await job(claimed!.id)).status, 'running');
    assert.equal(await store.settle(lease, { status: 'done' }), true);
  });
});
