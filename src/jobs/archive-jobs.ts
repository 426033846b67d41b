/**
 * The archive's background work: the archiver loop (in every process, taking turns on the cursor's row
 * lock, polling at the runner's interval as the webhook fan-out does) and retention as a job kind of the
 * runner, `archive-retention`, one job per interval slot (its unique key), so that several processes run
 * it once per slot and a restart neither skips nor repeats one.
 */
import type { Logger } from 'pino';
import type { Archiver } from '../pipeline/archiver.js';
import type { Retention } from '../pipeline/retention.js';
import type { JobRunner } from './runner.js';

export const RETENTION_JOB = 'archive-retention';

export interface ArchiveJobsParts {
  runner: JobRunner;
  archiver: Archiver;
  retention: Retention;
  pollIntervalMs: number;
  retentionIntervalMs: number;
  logger: Logger;
}

export interface ArchiveJobs {
  /** Starts the archiver loop and schedules retention (after the runner started). */
  start(): Promise<void>;
  /** Stops the loop and waits for its batch in progress. */
  stop(): Promise<void>;
}

export function buildArchiveJobs(parts: ArchiveJobsParts): ArchiveJobs {
  const { runner, archiver, retention, logger } = parts;
  const interval = parts.retentionIntervalMs;
  const slotOf = (t: number) => Math.floor(t / interval);
  const schedule = (slot: number) => runner.enqueue(RETENTION_JOB, { slot }, { uniqueKey: `slot:${interval}:${slot}`, runAt: new Date(slot * interval) });
  runner.register<{ slot: number }>({
    kind: RETENTION_JOB,
    retry: { maxAttempts: 5, initialDelayMs: 60_000, multiplier: 2, maxDelayMs: interval },
    concurrency: 1,
    leaseMs: 30 * 60_000,
    async handle(run) {
      // The next slot first, so that a run that keeps failing does not end the schedule.
      await schedule(Math.max(run.job.payload.slot, slotOf(Date.now())) + 1);
      const outcome = await retention.purge(new Date());
      if (outcome.payloads + outcome.archives > 0) logger.info(outcome, 'retention: purged');
    },
  });

  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  let stopped = false;
  const tick = () => {
    running = (async () => {
      try {
        while (!stopped && (await archiver.appendBatch()).more);
      } catch (err) {
        logger.error({ err }, 'archive: appending failed; trying again at the next poll');
      }
    })();
    void running.finally(() => {
      running = null;
      if (!stopped) timer = setTimeout(tick, parts.pollIntervalMs).unref();
    });
  };
  return {
    async start() {
      await schedule(slotOf(Date.now()));
      stopped = false;
      tick();
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
