/**
 * The committed dashboards conform to Grafana's schema (Grafana 10.4 and 11.6 `Dashboard` types,
 * panel plugin options, datasource query types), checked by the TypeScript compiler offline; and
 * the check itself rejects a dashboard that does not conform, so it cannot pass by accident.
 */
import { describe, expect, it } from "vitest";
import { schemaErrors } from "./schema-check.js";
import { committedDashboards } from "./targets.js";

const byName = () =>
  Object.fromEntries(committedDashboards().map((d) => [d.uid.replaceAll("-", "_"), structuredClone(d)]));

describe("dashboard JSON against Grafana's schema types", () => {
  it("every committed dashboard, panel option, field config and target conforms", () => {
    expect(schemaErrors(byName())).toEqual([]);
  });

  it("rejects a misspelled field, an unknown enum value and a wrong type", () => {
    const all = byName();
    const noc = all.mailsla_noc! as unknown as { panels: Record<string, unknown>[]; graphTooltip: unknown };
    const stat = noc.panels.find((p) => p.type === "stat")!;
    stat.fieldConfg = {};
    (stat.options as Record<string, unknown>).colorMode = "rainbow";
    noc.graphTooltip = "shared";
    const errors = schemaErrors({ mailsla_noc: noc as never });
    const has = (text: string, where: string) => errors.some((e) => e.includes(where) && e.includes(text));
    expect(has(`'"fieldConfg"' does not exist`, "mailsla_noc_grafana10"), errors.join("\n")).toBe(true);
    expect(has(`'"fieldConfg"' does not exist`, "mailsla_noc_grafana11"), errors.join("\n")).toBe(true);
    expect(has(`'"rainbow"' is not assignable`, "_options"), errors.join("\n")).toBe(true);
    expect(has("Type 'string' is not assignable to type 'number'", "mailsla_noc_grafana10")).toBe(true);
  });
});
