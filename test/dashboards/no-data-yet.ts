/**
 * Dashboard queries that cannot return data from a running mailsla yet, each with the reason.
 * queries.test.ts asserts that every query matched here returns nothing and that every entry still
 * matches a query: when the missing piece lands, the test fails and says to remove the entry, so
 * this list can only shrink and never hides a query that broke.
 */

/** Queries (PromQL/InfluxQL text, or a variable's `label_values` selector) matched by `pattern`. */
export interface NoDataYet {
  readonly pattern: RegExp;
  readonly reason: string;
}

/** The list. */
export const NO_DATA_YET: readonly NoDataYet[] = [
  {
    pattern: /mailsla_sla_delivery_delay_(average|maximum)_seconds\{direction="send"\}/,
    reason:
      "the demo configuration runs no send probe: 7.1.8 needs the agent's sink as the MX of a probe domain and an " +
      "operator that relays mail out, and the demo target relays nothing, so the engine has no sending delay",
  },
  {
    pattern: /mailsla_sender_auth_pass/,
    reason:
      "sender-auth judges the messages send probes make the operator's MTA hand to the agent's sink, and the " +
      "demo configuration runs no send probe (see above): no message reaches the sink to judge",
  },
];
