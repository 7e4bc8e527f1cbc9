import { createHash } from "node:crypto";
import type { FastifyInstance, FastifyReply } from "fastify";
import { STATUS_JS } from "./client.js";
import { gatherStatus, type StatusDeps } from "./data.js";
import { statusPage, statusView, type StatusView } from "./page.js";
import { STATUS_CSS } from "./style.js";

/**
 * The built-in status page, served by the collector without authentication: `/` and `/status`
 * (HTML), `/status.json` (what the page refreshes from), `/status.js` and `/favicon.svg`. It is
 * the embedded default's dashboard when there is no Grafana, and it is read-only: it shows states
 * and figures, never a token, a password or a probe message.
 */

/** How long one reading is reused, so many wall screens refreshing at once cost one computation. */
const REUSE_MS = 1000;

/** Strict: the stylesheet by its hash, the script and the JSON from here, nothing else at all. */
const CSP = [
  "default-src 'none'",
  `style-src 'sha256-${createHash("sha256").update(STATUS_CSS).digest("base64")}'`,
  "script-src 'self'",
  "connect-src 'self'",
  "img-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const FAVICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect x="2" y="7" width="28" height="19" rx="3" fill="#1a7f37"/><path d="M3 9l13 9 13-9" fill="none" stroke="#fff" stroke-width="2.5"/></svg>`;

/**
 * One reading shared by concurrent requests and reused for {@link REUSE_MS} of real time (the
 * monotonic clock: load shedding is about elapsed time, whatever the injected wall clock says).
 */
function sharedView(deps: StatusDeps): () => Promise<StatusView> {
  let last: { at: number; view: Promise<StatusView> } | undefined;
  return () => {
    const at = performance.now();
    if (!last || at - last.at >= REUSE_MS) {
      const view = gatherStatus(deps).then(statusView);
      const entry = { at, view };
      last = entry;
      view.catch(() => {
        if (last === entry) last = undefined;
      });
    }
    return last.view;
  };
}

function noStore(reply: FastifyReply): FastifyReply {
  return reply.header("cache-control", "no-store").header("x-content-type-options", "nosniff");
}

/** Registers the status page's routes. */
export function statusRoutes(app: FastifyInstance, deps: StatusDeps): void {
  const view = sharedView(deps);
  const page = async (_req: unknown, reply: FastifyReply) =>
    noStore(reply)
      .header("content-security-policy", CSP)
      .header("referrer-policy", "no-referrer")
      .type("text/html; charset=utf-8")
      .send(statusPage(await view()));
  app.get("/", page);
  app.get("/status", page);
  app.get("/status.json", async (_req, reply) => noStore(reply).send(await view()));
  app.get("/status.js", async (_req, reply) =>
    reply.header("cache-control", "no-cache").type("text/javascript; charset=utf-8").send(STATUS_JS),
  );
  app.get("/favicon.svg", async (_req, reply) =>
    reply.header("cache-control", "max-age=86400").type("image/svg+xml").send(FAVICON),
  );
}
