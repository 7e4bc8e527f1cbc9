import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { startLoopbackDaemon, type LoopbackDaemon } from "./prometheus.js";
import { requireTool } from "./tools.js";

/**
 * Real Alertmanager for tests, on a free loopback port in a temporary directory, clustering off
 * (`--cluster.listen-address=` empty, else it binds 0.0.0.0:9094). Routes and inhibitions are only
 * proven by the server that applies them.
 */

/** An alert as Alertmanager's API v2 returns it. */
export interface AmAlert {
  readonly labels: Record<string, string>;
  readonly status: { readonly state: string; readonly inhibitedBy: string[]; readonly silencedBy: string[] };
}

/** A running Alertmanager. */
export interface AlertmanagerServer extends LoopbackDaemon {
  /** Posts alerts as Prometheus does (`POST /api/v2/alerts`), firing from now on. */
  post(alerts: { labels: Record<string, string>; annotations?: Record<string, string> }[]): Promise<void>;
  /** Every alert it holds, with its inhibition state. */
  alerts(): Promise<AmAlert[]>;
}

/** Starts Alertmanager with `config` (YAML text). */
export async function startAlertmanager(config: string): Promise<AlertmanagerServer> {
  const binary = requireTool("prometheus-alertmanager", "prometheus-alertmanager");
  const dir = mkdtempSync(path.join(os.tmpdir(), "mailsla-alertmanager-"));
  const file = path.join(dir, "alertmanager.yml");
  writeFileSync(file, config);
  const daemon = await startLoopbackDaemon("alertmanager", binary, dir, (port) => [
    `--config.file=${file}`,
    `--storage.path=${path.join(dir, "data")}`,
    `--web.listen-address=127.0.0.1:${port}`,
    "--cluster.listen-address=",
    "--log.level=warn",
  ]);
  return {
    ...daemon,
    async post(alerts) {
      const res = await fetch(`${daemon.url}/api/v2/alerts`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(alerts.map((a) => ({ ...a, startsAt: new Date().toISOString() }))),
      });
      if (!res.ok) throw new Error(`POST /api/v2/alerts: ${res.status} ${await res.text()}`);
    },
    async alerts() {
      const res = await fetch(`${daemon.url}/api/v2/alerts`);
      if (!res.ok) throw new Error(`GET /api/v2/alerts: ${res.status}`);
      return (await res.json()) as AmAlert[];
    },
  };
}
