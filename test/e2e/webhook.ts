import http from "node:http";
import type { AddressInfo } from "node:net";

/**
 * The receiving end of Alertmanager's webhooks in the end-to-end tests: a loopback HTTP server that
 * records every notification with the time it arrived, so a test can assert what reached on-call
 * and measure how long it took.
 */

/** One alert of a webhook notification (Alertmanager's webhook payload, version 4). */
export interface WebhookAlert {
  readonly status: "firing" | "resolved";
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly fingerprint: string;
  readonly startsAt: string;
  readonly endsAt: string;
}

/** One POST as received: the path names the receiver's URL (/oncall, /noc, /watchdog). */
export interface Notification {
  readonly path: string;
  /** Date.now() when the body was complete. */
  readonly receivedAt: number;
  readonly body: { readonly status: string; readonly receiver: string; readonly alerts: WebhookAlert[] };
}

/** A running webhook receiver. */
export interface Webhook {
  /** The URL Alertmanager should post to for `path`. */
  url(path: string): string;
  /** Every notification so far, in arrival order. */
  readonly received: readonly Notification[];
  close(): Promise<void>;
}

/** Starts the receiver on a free loopback port; answers 200 to every POST, 400 to a body it cannot parse. */
export async function startWebhook(): Promise<Webhook> {
  const received: Notification[] = [];
  const server = http.createServer((req, res) => {
    let data = "";
    req.on("data", (chunk: Buffer) => (data += chunk.toString()));
    req.on("end", () => {
      try {
        if (req.method !== "POST") throw new Error(`unexpected ${req.method}`);
        received.push({ path: req.url ?? "", receivedAt: Date.now(), body: JSON.parse(data) });
        res.end("ok");
      } catch (err) {
        res.statusCode = 400;
        res.end(String(err));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Alerts of the notifications to `path` that match `want`, each with the time its notification arrived. */
export function alertsAt(
  hook: Webhook,
  path: string,
  want: (alert: WebhookAlert) => boolean = () => true,
): { alert: WebhookAlert; receiver: string; receivedAt: number }[] {
  return hook.received
    .filter((n) => n.path === path)
    .flatMap((n) =>
      n.body.alerts
        .filter(want)
        .map((alert) => ({ alert, receiver: n.body.receiver, receivedAt: n.receivedAt })),
    );
}
