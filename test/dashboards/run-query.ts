/**
 * Runs one interpolated dashboard query against the real server and counts the series that came
 * back with at least one finite value: Prometheus through its HTTP API (instant at the panel's end, or a
 * range over the panel's last minutes), InfluxDB through /query.
 */
import type { Range } from "./interpolate.js";

/** Series with at least one finite sample (a 0/0 NaN is no data), or an error text from the server. */
export type Outcome = { series: number } | { error: string };

interface PromBody {
  status: string;
  error?: string;
  data?: { result: { values?: unknown[]; value?: unknown }[] };
}

/** A PromQL query as Grafana sends it: instant at `r.to`, or a range with a step over `r`. */
export async function runPromql(url: string, expr: string, r: Range, instant: boolean): Promise<Outcome> {
  const params = new URLSearchParams({ query: expr });
  if (instant) params.set("time", String(r.to / 1000));
  else {
    // the last five minutes of the panel's range are enough: the stack has not run longer
    params.set("start", String(Math.max(r.from, r.to - 300_000) / 1000));
    params.set("end", String(Math.min(r.to, Date.now()) / 1000));
    params.set("step", "2");
  }
  const res = await fetch(`${url}/api/v1/${instant ? "query" : "query_range"}?${params}`);
  const body = (await res.json()) as PromBody;
  if (body.status !== "success") return { error: body.error ?? `HTTP ${res.status}` };
  const finite = (sample: unknown) => Number.isFinite(Number((sample as [number, string])[1]));
  const result = body.data?.result ?? [];
  return {
    series: result.filter((s) => (s.value !== undefined ? finite(s.value) : s.values?.some(finite))).length,
  };
}

interface InfluxBody {
  error?: string;
  results?: { error?: string; series?: { values?: unknown[][] }[] }[];
}

/** An InfluxQL query against `database`, epoch in ms as Grafana asks for it. */
export async function runInfluxql(url: string, database: string, q: string): Promise<Outcome> {
  const params = new URLSearchParams({ db: database, q, epoch: "ms" });
  const res = await fetch(`${url}/query?${params}`);
  const body = (await res.json()) as InfluxBody;
  const first = body.results?.[0];
  const error = body.error ?? first?.error;
  if (error) return { error };
  return { series: (first?.series ?? []).filter((s) => (s.values?.length ?? 0) > 0).length };
}

/** Values of `label` on the series matching `selector` (Grafana's label_values with a match[]). */
export async function labelValues(url: string, selector: string, label: string): Promise<string[]> {
  const params = new URLSearchParams({ "match[]": selector });
  const res = await fetch(`${url}/api/v1/label/${label}/values?${params}`);
  const body = (await res.json()) as { status: string; data: string[]; error?: string };
  if (body.status !== "success") throw new Error(`label_values(${selector}, ${label}): ${body.error}`);
  return body.data;
}
