import type * as cog from "@grafana/grafana-foundation-sdk/cog";
import type { DataSourceRef } from "@grafana/grafana-foundation-sdk/dashboard";

/**
 * The InfluxDB (InfluxQL) query of a panel target. The foundation SDK ships builders for the core
 * datasources it generates from Grafana's schemas, and InfluxDB is not among them; this is the
 * SDK's documented way to add a query type (a `Dataquery` variant plus a builder), holding the
 * fields Grafana's InfluxDB datasource reads for a raw InfluxQL query.
 */
export interface InfluxqlQuery extends cog.Dataquery {
  refId: string;
  datasource?: DataSourceRef;
  /** The InfluxQL text; Grafana replaces `$timeFilter`, `$__interval` and template variables. */
  query: string;
  /** Raw mode: Grafana sends `query` as written instead of building it from the visual editor. */
  rawQuery: true;
  resultFormat: "time_series" | "table";
  /** Series name template (`$tag_vantage`, `$col`), like Prometheus' legendFormat. */
  alias?: string;
}

/** Builds an {@link InfluxqlQuery}; used wherever a panel reads long history from InfluxDB. */
export class InfluxqlBuilder implements cog.Builder<cog.Dataquery> {
  private readonly internal: InfluxqlQuery;

  constructor(query: string) {
    this.internal = {
      refId: "",
      query,
      rawQuery: true,
      resultFormat: "time_series",
      _implementsDataqueryVariant() {},
    };
  }

  build(): InfluxqlQuery {
    return this.internal;
  }

  refId(refId: string): this {
    this.internal.refId = refId;
    return this;
  }

  datasource(ref: DataSourceRef): this {
    this.internal.datasource = ref;
    return this;
  }

  resultFormat(format: InfluxqlQuery["resultFormat"]): this {
    this.internal.resultFormat = format;
    return this;
  }

  alias(alias: string): this {
    this.internal.alias = alias;
    return this;
  }
}
