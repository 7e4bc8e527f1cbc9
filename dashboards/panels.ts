import * as common from "@grafana/grafana-foundation-sdk/common";
import type * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import * as gauge from "@grafana/grafana-foundation-sdk/gauge";
import * as heatmap from "@grafana/grafana-foundation-sdk/heatmap";
import * as stat from "@grafana/grafana-foundation-sdk/stat";
import * as statetimeline from "@grafana/grafana-foundation-sdk/statetimeline";
import * as table from "@grafana/grafana-foundation-sdk/table";
import * as timeseries from "@grafana/grafana-foundation-sdk/timeseries";
import { PROMETHEUS } from "./common.js";

/**
 * Panel factories with the house style applied once (grid size, datasource, legend, how a stat
 * reduces), so a row module says only what its panel shows. Width is in Grafana's 24 columns; the
 * widths of a row's panels add up to 24 per line (a test checks that nothing overlaps).
 */

/** Title, description (cites the clause), width and height of one panel. */
export interface PanelHead {
  readonly title: string;
  readonly description: string;
  readonly span: number;
  readonly height?: number;
  readonly datasource?: dashboard.DataSourceRef;
}

/** The last value of each series as a big number, coloured by thresholds. */
export function statPanel(h: PanelHead): stat.PanelBuilder {
  return new stat.PanelBuilder()
    .title(h.title)
    .description(h.description)
    .span(h.span)
    .height(h.height ?? 5)
    .datasource(h.datasource ?? PROMETHEUS)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(["lastNotNull"]).values(false))
    .colorMode(common.BigValueColorMode.Background)
    .graphMode(common.BigValueGraphMode.None)
    .textMode(common.BigValueTextMode.ValueAndName);
}

/** A gauge from 0 to `max` (a budget against its target). */
export function gaugePanel(h: PanelHead, max: number): gauge.PanelBuilder {
  return new gauge.PanelBuilder()
    .title(h.title)
    .description(h.description)
    .span(h.span)
    .height(h.height ?? 6)
    .datasource(h.datasource ?? PROMETHEUS)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(["lastNotNull"]).values(false))
    .min(0)
    .max(max);
}

/** Lines over time, with thresholds drawn as dashed lines (targets). */
export function graphPanel(h: PanelHead): timeseries.PanelBuilder {
  return new timeseries.PanelBuilder()
    .title(h.title)
    .description(h.description)
    .span(h.span)
    .height(h.height ?? 8)
    .datasource(h.datasource ?? PROMETHEUS)
    .legend(
      new common.VizLegendOptionsBuilder()
        .showLegend(true)
        .displayMode(common.LegendDisplayMode.List)
        .placement(common.LegendPlacement.Bottom),
    )
    .thresholdsStyle(
      new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Dashed),
    );
}

/** Bars per interval (counts of events such as failures). */
export function barsPanel(h: PanelHead): timeseries.PanelBuilder {
  return graphPanel(h)
    .drawStyle(common.GraphDrawStyle.Bars)
    .fillOpacity(80)
    .stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal))
    .thresholdsStyle(
      new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Off),
    );
}

/** One band per series coloured by its state over time (up/down, pass/fail). */
export function timelinePanel(h: PanelHead, mappings: dashboard.ValueMapping[]): statetimeline.PanelBuilder {
  return new statetimeline.PanelBuilder()
    .title(h.title)
    .description(h.description)
    .span(h.span)
    .height(h.height ?? 8)
    .datasource(h.datasource ?? PROMETHEUS)
    .mappings(mappings)
    .showValue(common.VisibilityMode.Never)
    .mergeValues(true)
    .fillOpacity(80);
}

/** A table of an instant query: one row per series. */
export function tablePanel(h: PanelHead): table.PanelBuilder {
  return new table.PanelBuilder()
    .title(h.title)
    .description(h.description)
    .span(h.span)
    .height(h.height ?? 8)
    .datasource(h.datasource ?? PROMETHEUS)
    .frameIndex(0)
    .showHeader(true);
}

/** Histogram buckets over time, already bucketed by Prometheus (no calculation in Grafana). */
export function heatmapPanel(h: PanelHead, unit: string): heatmap.PanelBuilder {
  return new heatmap.PanelBuilder()
    .title(h.title)
    .description(h.description)
    .span(h.span)
    .height(h.height ?? 9)
    .datasource(h.datasource ?? PROMETHEUS)
    .calculate(false)
    .yAxis(new heatmap.YAxisConfigBuilder().unit(unit))
    .cellValues(new heatmap.CellValuesBuilder().unit("short"))
    .color(
      new heatmap.HeatmapColorOptionsBuilder()
        .mode(heatmap.HeatmapColorMode.Scheme)
        .scheme("Oranges")
        .scale(heatmap.HeatmapColorScale.Exponential)
        .exponent(0.5)
        .steps(64),
    );
}
