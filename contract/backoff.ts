/**
 * Exponential backoff with "equal jitter" (half fixed, half random, never above `max`), for every
 * retry loop that talks to a peer that may be down: the agent's pusher and the collector's InfluxDB
 * export. The random half keeps many agents from retrying in step after a collector restart.
 */
export function retryDelay(failures: number, min: number, max: number): number {
  const cap = Math.min(max, min * 2 ** Math.min(Math.max(failures - 1, 0), 30));
  return Math.round(cap / 2 + (Math.random() * cap) / 2);
}
