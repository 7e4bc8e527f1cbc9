import type { Logger } from "../contract/log.js";
import type { ServiceSegmentState } from "./metrics/live-state.js";

/**
 * The collector's log of incidents as they happen: every `intervalMs` it reads the state now of
 * each (service, segment), as the quorum of vantage points decides it (DESIGN step 2), and logs a
 * change: down (an incident starts), back up (it ends), unknown (too few fresh results to say).
 * It samples (a state that lasts less than one interval may pass unlogged); the engine and the
 * report never depend on it: it is what an operator tailing the log sees.
 */

/** A running incident log. */
export interface IncidentLog {
  /** Reads the state once now (the timer calls it too); returns the lines it logged, for tests. */
  poll(): Promise<string[]>;
  stop(): void;
}

/** Starts logging changes of `read()`; the first reading logs only what is down. */
export function startIncidentLog(
  read: () => Promise<readonly ServiceSegmentState[]>,
  log: Pick<Logger, "info" | "warn" | "error">,
  intervalMs = 15_000,
): IncidentLog {
  const last = new Map<string, ServiceSegmentState["state"]>();
  const poll = async (): Promise<string[]> => {
    const said: string[] = [];
    let states: readonly ServiceSegmentState[];
    try {
      states = await read();
    } catch (err) {
      log.error({ err }, "incident log: could not read the state now");
      return said;
    }
    for (const s of states) {
      const key = `${s.service}\u0000${s.segment}`;
      const before = last.get(key);
      last.set(key, s.state);
      if (before === s.state || (before === undefined && s.state !== "down")) continue;
      const fields = { service: s.service, segment: s.segment, state: s.state, was: before ?? "not seen" };
      const line =
        s.state === "down"
          ? `incident started: ${s.service} down in segment ${s.segment}`
          : s.state === "up"
            ? `incident ended: ${s.service} up again in segment ${s.segment}`
            : `${s.service} in segment ${s.segment}: unknown (too few fresh results)`;
      if (s.state === "up") log.info(fields, line);
      else log.warn(fields, line);
      said.push(line);
    }
    return said;
  };
  const timer = setInterval(() => void poll(), intervalMs);
  timer.unref();
  return { poll, stop: () => clearInterval(timer) };
}
