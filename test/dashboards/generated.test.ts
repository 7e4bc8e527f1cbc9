/**
 * The committed dashboards are exactly what the TypeScript builds (regenerated in memory, formatted
 * as scripts/generate.ts writes them), and they hold together the way Grafana needs: unique panel
 * ids, a grid without overlaps, datasources only through variables, every variable defined, every
 * measured SPEC indicator on the compliance dashboard with the target from indicators.ts.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { INDICATORS } from "../../contract/indicators.js";
import { MONTH_FIGURES, type MeasuredKey } from "../../dashboards/compliance/month.js";
import { GENERATED_DASHBOARDS } from "../../dashboards/index.js";
import { displayOf, indicatorTitle } from "../../dashboards/indicator-fields.js";
import { renderFormatted, ROOT } from "../../scripts/generate.js";
import { committedDashboards, type DashboardJson, type PanelJson } from "./targets.js";

const dashboards = committedDashboards();
const BUILTINS = new Set(["__range", "__rate_interval", "__interval", "timeFilter", "month"]);

function overlaps(a: PanelJson["gridPos"], b: PanelJson["gridPos"]): boolean {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

/** Every `$name` / `${name}` in the panels' queries, time overrides and datasources. */
function variablesUsed(d: DashboardJson): Set<string> {
  const queries = d.panels.flatMap((p) => (p.targets ?? []).map((t) => String(t.expr ?? t.query)));
  const text = JSON.stringify([queries, d.panels.map((p) => [p.timeShift, p.timeFrom, p.datasource])]);
  return new Set([...text.matchAll(/\$\{?(\w+)/g)].map((m) => m[1]!));
}

describe("generated dashboards", () => {
  it("are committed exactly as the TypeScript renders them (npx tsx scripts/generate.ts)", async () => {
    for (const file of GENERATED_DASHBOARDS) {
      const committed = readFileSync(path.join(ROOT, file.path), "utf8");
      expect(committed, `${file.path} is stale: run npx tsx scripts/generate.ts`).toBe(
        await renderFormatted(file),
      );
    }
  });

  it("have unique panel ids and refIds, and panels inside 24 columns that never overlap", () => {
    for (const d of dashboards) {
      const ids = d.panels.map((p) => p.id);
      expect(new Set(ids).size, d.uid).toBe(ids.length);
      d.panels.forEach((p, i) => {
        expect(p.gridPos.x + p.gridPos.w, `${d.uid} #${p.id}`).toBeLessThanOrEqual(24);
        const clash = d.panels.slice(i + 1).find((q) => overlaps(p.gridPos, q.gridPos));
        expect(clash?.id, `${d.uid} #${p.id} overlaps`).toBeUndefined();
        const refIds = (p.targets ?? []).map((t) => t.refId);
        expect(new Set(refIds).size, `${d.uid} #${p.id} refIds`).toBe(refIds.length);
        expect(refIds.every((r) => typeof r === "string" && r !== "")).toBe(true);
      });
    }
  });

  it("reach datasources only through datasource variables, and define every variable they use", () => {
    for (const d of dashboards) {
      const defined = new Map(d.templating.list.map((v) => [v.name, v]));
      for (const p of d.panels.filter((x) => x.type !== "row")) {
        const uid = p.datasource?.uid ?? "";
        const variable = defined.get(uid.replace(/^\$\{(\w+)\}$/, "$1"));
        expect(variable?.type, `${d.uid} #${p.id} datasource ${uid}`).toBe("datasource");
        expect(variable?.query, `${d.uid} #${p.id} datasource type`).toBe(p.datasource?.type);
      }
      const missing = [...variablesUsed(d)].filter((n) => !defined.has(n) && !BUILTINS.has(n));
      expect(missing, d.uid).toEqual([]);
    }
  });

  it("show every measured indicator on the compliance dashboard with its clause and target", () => {
    const compliance = dashboards.find((d) => d.uid === "mailsla-compliance")!;
    const measured = (Object.keys(INDICATORS) as (keyof typeof INDICATORS)[]).filter(
      (k) => INDICATORS[k].source === "measured",
    );
    expect(Object.keys(MONTH_FIGURES).sort()).toEqual([...measured].sort());
    for (const key of measured as MeasuredKey[]) {
      const panel = compliance.panels.find((p) => p.title.startsWith(indicatorTitle(key)));
      expect(panel, key).toBeDefined();
      const i = INDICATORS[key] as { target?: number };
      if (i.target === undefined) continue;
      const steps = panel!.fieldConfig?.defaults.thresholds?.steps.map((s) => s.value);
      expect(steps, `${key} thresholds`).toContain(i.target);
      expect((panel!.targets ?? []).map((t) => t.expr).join("\n"), key).toContain(MONTH_FIGURES[key]);
      expect(displayOf(key).unit, key).toBe((panel!.fieldConfig?.defaults as { unit?: string }).unit);
    }
  });

  it("never type a SPEC target in their sources: every number comes from indicators.ts", () => {
    const measured = Object.values(INDICATORS).filter((i) => i.source === "measured");
    const numbers = new Set<number>(measured.flatMap((i) => ("target" in i ? [i.target] : [])));
    const sources = (dir: string): string[] =>
      readdirSync(dir).flatMap((f) => {
        const p = path.join(dir, f);
        if (statSync(p).isDirectory()) return f === "generated" ? [] : sources(p);
        return p.endsWith(".ts") ? [p] : [];
      });
    for (const file of sources(path.join(ROOT, "dashboards"))) {
      const code = readFileSync(file, "utf8").replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, "");
      const literals = [...code.matchAll(/(?<![\w.$])\d[\d_]*(?:\.\d+)?(?![\w.])/g)];
      const typed = literals.map((m) => Number(m[0].replaceAll("_", ""))).filter((n) => numbers.has(n));
      expect(typed, path.relative(ROOT, file)).toEqual([]);
    }
  });
});
