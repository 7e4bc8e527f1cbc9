/**
 * prom-client collects every metric of a scrape in one synchronous loop, each gauge calling its
 * own collect(). Gauges that read one snapshot share it through this, so a scrape computes the
 * snapshot once however many gauges read it, and every series of the scrape agrees.
 */

/** Wraps `provider` so that calls while one is pending share its promise. */
export function oncePerScrape<T>(provider: () => T | Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    if (!pending) {
      const p = Promise.resolve().then(provider);
      pending = p;
      const clear = () => {
        if (pending === p) pending = undefined;
      };
      p.then(clear, clear);
    }
    return pending;
  };
}
