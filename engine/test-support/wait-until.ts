/**
 * Polls until `check` holds, and fails after `timeoutMs`: tests wait on state
 * this way, never with a fixed sleep. `description` may be a function, read
 * only on failure, to report the state at the moment the wait gave up.
 */
export async function waitUntil(
  description: string | (() => string),
  check: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
  pollMs = 10,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) {
      const what = typeof description === 'string' ? description : description();
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
