// Parts of a service started one after another, each with how it stops: stopped last first, whether all of them
// (stop) or, when one fails to start, the ones before it.

/** The parts started so far, each with how it stops. */
export class StartedParts {
  private readonly stops: (() => Promise<void>)[] = [];

  /** Starts one part; if it fails, stops the others (last started first) and throws, prefixed with `failure` if given. */
  async start<T>(failure: string | null, start: () => Promise<T>, stop: (part: T) => Promise<void>): Promise<T> {
    let part: T;
    try {
      part = await start();
    } catch (err) {
      await this.stopAll();
      if (failure === null) throw err;
      throw new Error(`${failure}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    this.stops.push(() => stop(part));
    return part;
  }

  async stopAll(): Promise<void> {
    for (let stop = this.stops.pop(); stop; stop = this.stops.pop()) await stop();
  }
}
