/**
 * What start-up opened, to close in reverse order: at shutdown, and when a later step of start-up fails.
 * One deadline bounds the whole close. Past it the steps left share one short grace (a healthy step needs
 * no more), then are left behind: work waiting on a database that stopped answering never ends by itself.
 */
import type { Logger } from '../log.js';
import { settledWithin } from '../settled-within.js';

/** Time the steps still open at the deadline share; each gets at least the floor. */
const GRACE_MS = 1_000;
const STEP_FLOOR_MS = 100;

export class Closers {
  private readonly steps: Array<{ name: string; close: (budgetMs: number) => Promise<unknown> | void }> = [];
  constructor(private readonly logger: Logger) {}

  push(name: string, close: (budgetMs: number) => Promise<unknown> | void): void {
    this.steps.push({ name, close });
  }

  /** Closes every step, newest first, by `deadline` (epoch ms) plus the grace. */
  async closeAll(deadline: number): Promise<void> {
    const end = deadline + GRACE_MS;
    const left = () => Math.max(end - Date.now(), STEP_FLOOR_MS);
    for (const step of this.steps.splice(0).reverse()) {
      const work = Promise.resolve()
        .then(() => step.close(left()))
        .catch((err: unknown) => this.logger.error({ err, step: step.name }, 'shutdown: step failed'));
      if (!(await settledWithin(work, left()))) this.logger.warn({ step: step.name }, 'shutdown: step did not finish in time, left behind');
    }
  }
}
