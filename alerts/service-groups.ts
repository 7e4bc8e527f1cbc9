import type { AlertOptions } from "./options.js";

/**
 * Services grouped by check interval, for the rules whose timing follows the interval (the down
 * page's `for:`, when a check is stale). One group holds every service on `agent.interval`, named by
 * exclusion so that a service missing from the configuration is still covered; each other interval
 * gets a group named by inclusion, whose rules carry a `check_interval` label so no two rules of one
 * alert share their labels (promtool lints duplicates).
 */

/** One group: the selector to add to a metric, its interval (`null`: the agent default's). */
export interface ServiceGroup {
  /** `{service!~"a|b"}`, `{service=~"c"}` or "" (every service on the default interval). */
  readonly matcher: string;
  readonly intervalMs: number | null;
  /** The services named (inclusion groups), sorted. */
  readonly services: readonly string[];
}

/** A service name as a literal inside a PromQL regular expression (names allow only `.` of the metacharacters). */
const literal = (name: string) => name.replaceAll(".", "\\\\.");
const alternatives = (names: readonly string[]) => names.map(literal).join("|");

/** The default group first, then one per other interval, shortest first. */
export function serviceGroups(o: AlertOptions): ServiceGroup[] {
  const byMs = new Map<number, string[]>();
  for (const [service, ms] of Object.entries(o.checkIntervalByService)) {
    byMs.set(ms, [...(byMs.get(ms) ?? []), service]);
  }
  const own = [...byMs.values()].flat().sort();
  return [
    { matcher: own.length > 0 ? `{service!~"${alternatives(own)}"}` : "", intervalMs: null, services: [] },
    ...[...byMs]
      .sort(([a], [b]) => a - b)
      .map(([intervalMs, names]) => {
        const services = [...names].sort();
        return { matcher: `{service=~"${alternatives(services)}"}`, intervalMs, services };
      }),
  ];
}
