/**
 * The collector's incident log: one line when a service goes down in a segment (an incident
 * starts), one when it is up again, none while nothing changes, and none for what is up at start.
 */
import { expect, it } from "vitest";
import type { ServiceSegmentState } from "../../collector/metrics/live-state.js";
import { startIncidentLog } from "../../collector/incident-log.js";
import type { Logger } from "../../contract/log.js";

it("logs each change of a service's state in a segment, once", async () => {
  let now: ServiceSegmentState[] = [
    { service: "mx", segment: "north", state: "up" },
    { service: "imap", segment: "north", state: "down" },
  ];
  const levels: string[] = [];
  const at = (level: string) => () => void levels.push(level);
  const log = { info: at("info"), warn: at("warn"), error: at("error") } as unknown as Logger;
  const incidents = startIncidentLog(async () => now, log, 3_600_000);
  try {
    expect(await incidents.poll()).toEqual(["incident started: imap down in segment north"]);
    expect(await incidents.poll()).toEqual([]);
    now = [
      { service: "mx", segment: "north", state: "down" },
      { service: "imap", segment: "north", state: "up" },
    ];
    expect(await incidents.poll()).toEqual([
      "incident started: mx down in segment north",
      "incident ended: imap up again in segment north",
    ]);
    now = [{ service: "mx", segment: "north", state: "unknown" }, now[1]!];
    expect(await incidents.poll()).toEqual(["mx in segment north: unknown (too few fresh results)"]);
    expect(levels).toEqual(["warn", "warn", "info", "warn"]);
  } finally {
    incidents.stop();
  }
});
