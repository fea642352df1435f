// Waiting for Ctrl-C (SIGINT) or SIGTERM to stop a command that serves until then.

/**
 * Resolves at the first SIGINT or SIGTERM. Call it before printing the ready line: whoever reads that line may stop
 * the process at once, and a signal that comes before a handler is installed kills it (the default action) instead of
 * letting it stop cleanly.
 */
export function stopSignal(): Promise<void> {
  return new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
}
