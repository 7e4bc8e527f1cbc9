/**
 * Time, injected. Wall time stamps results; the monotonic clock measures durations and delays, so
 * both ends of one measurement come from the same host clock and never from NTP-adjusted wall time.
 * Tests pass their own clock to cover months and years in seconds.
 */
export interface Clock {
  /** Wall-clock time in Unix milliseconds. */
  now(): number;
  /** A monotonic time in milliseconds, for durations only (arbitrary origin). */
  monotonic(): number;
}

/** The host's clocks. */
export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
};
