/**
 * Waits for `work` at most `ms`: true when it settled in time (its rejection is rethrown), false when the
 * time ran out. Work still running then goes on, unobserved; shutdown and health checks must not wait on a
 * database that no longer answers.
 */
export async function settledWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(resolve, ms, false)));
  try {
    return await Promise.race([work.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
