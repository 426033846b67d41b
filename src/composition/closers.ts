/**
 * What start-up opened, to close in reverse order: at shutdown, and when a later step of start-up fails.
 * One deadline bounds the whole close; past it each remaining step still gets a moment (a healthy one needs
 * no more), then is left behind: work waiting on a database that stopped answering never ends by itself.
 */
import type { Logger } from '../log.js';
import { settledWithin } from '../settled-within.js';

const SHUTDOWN_STEP_MIN_MS = 1_000;

export class Closers {
  private readonly steps: Array<{ name: string; close: (budgetMs: number) => Promise<unknown> | void }> = [];
  constructor(private readonly logger: Logger) {}

  push(name: string, close: (budgetMs: number) => Promise<unknown> | void): void {
    this.steps.push({ name, close });
  }

  async closeAll(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const left = () => Math.max(deadline - Date.now(), SHUTDOWN_STEP_MIN_MS);
    for (const step of this.steps.splice(0).reverse()) {
      const work = Promise.resolve().then(() => step.close(left()));
      if (!(await settledWithin(work, left()))) this.logger.warn({ step: step.name }, 'shutdown: step did not finish in time, left behind');
      await work.catch((err: unknown) => this.logger.error({ err, step: step.name }, 'shutdown: step failed'));
    }
  }
}
