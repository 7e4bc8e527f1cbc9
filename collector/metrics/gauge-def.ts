import type { Figure } from "../sla/figures.js";
import type { SlaSnapshot } from "./live-state.js";

/**
 * The SLA metrics are plain data: a name, a help text and a function from one snapshot to samples.
 * Keeping them as a table lets one registration loop serve every gauge, lets tests and docs list
 * every metric name, and keeps each derivation a small pure function.
 */

/** One exported series value. */
export interface Sample {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** One gauge of the collector, computed from a snapshot `S` at scrape time. */
export interface GaugeDef<S> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  readonly samples: (s: S) => Sample[];
}

/** A gauge of the SLA snapshot (the month, the year and the live state). */
export type SlaGaugeDef = GaugeDef<SlaSnapshot>;

/** A figure's value in Prometheus base units (minutes become seconds), or `null` when not measured. */
export function baseValue(f: Figure): number | null {
  if (f.value === null) return null;
  if (typeof f.value === "boolean") return f.value ? 1 : 0;
  return f.unit === "minutes" ? f.value * 60 : f.value;
}

/** The base unit a figure's unit becomes in a metric name. */
export function baseUnit(unit: string): "seconds" | "ratio" | "days" | null {
  if (unit === "minutes" || unit === "seconds") return "seconds";
  if (unit === "ratio" || unit === "days") return unit;
  return null;
}

/** `{indicator, clause}` of a figure: the labels that join a value to its target series. */
export function figureLabels(f: Figure): { indicator: string; clause: string } {
  return { indicator: f.key, clause: f.clause };
}

/** A sample list of one value, or none when the value is not measured (an absent series, not 0). */
export function one(labels: Record<string, string>, value: number | null): Sample[] {
  return value === null || !Number.isFinite(value) ? [] : [{ labels, value }];
}
