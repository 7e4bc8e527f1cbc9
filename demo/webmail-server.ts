/**
 * The demo target's webmail: an HTTPS sign-in page and a form login, which is all a webmail probe
 * looks at (the page answers and says "Sign in"; a right password gets a 302 and a session cookie,
 * a wrong one the page again with "Invalid"). `refuse` answers 503 to everything.
 */
import { randomBytes } from "node:crypto";
import http from "node:http";
import type tls from "node:tls";
import { acceptTls, type Accept, type ServiceGate } from "./gate.js";
import type { Authenticate } from "./mailstore.js";

/** What the webmail needs from the target. */
export interface WebmailDeps {
  gate: ServiceGate;
  authenticate: Authenticate;
  secureContext: tls.SecureContext;
}

/** Builds the gate's accept function: TLS first, then a node:http server that never listens itself. */
export function createWebmailAccept(deps: WebmailDeps): Accept {
  const sessions = new Map<string, string>();
  const server = http.createServer((req, res) => {
    handle(deps, sessions, req, res).catch(() => res.destroy());
  });
  return (raw) => acceptTls(raw, deps.secureContext, (socket) => server.emit("connection", socket));
}

/** Login bodies are a few dozen bytes; more is refused before it is buffered. */
const MAX_BODY = 16 * 1024;
/** Sessions kept; a probe signs in every interval, so old ones are dropped first. */
const MAX_SESSIONS = 1000;

async function handle(
  deps: WebmailDeps,
  sessions: Map<string, string>,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<void> {
  if (!(await deps.gate.pause())) return void res.destroy();
  if (deps.gate.fault === "refuse") {
    return reply(res, 503, page("<p>Service temporarily unavailable (demo fault)</p>"), {
      "retry-after": "60",
    });
  }
  const path = new URL(req.url ?? "/", "https://demo.invalid").pathname;
  if (req.method === "GET" && (path === "/" || path === "/login")) return reply(res, 200, loginPage(""));
  if (req.method === "POST" && path === "/login") return login(deps, sessions, req, res);
  if (req.method === "GET" && path === "/inbox") {
    const user = sessions.get(cookie(req, "session") ?? "");
    if (!user) return reply(res, 302, "", { location: "/" });
    return reply(res, 200, page(`<h2>Inbox of ${escapeHtml(user)}</h2><p>Signed in.</p>`));
  }
  reply(res, 404, page("<p>Not found</p>"));
}

async function login(
  deps: WebmailDeps,
  sessions: Map<string, string>,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<void> {
  if (!String(req.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded")) {
    return reply(res, 415, page("<p>Expected a form post</p>"));
  }
  const body = await readBody(req);
  if (body === undefined) return reply(res, 413, page("<p>Too large</p>"), { connection: "close" });
  const form = new URLSearchParams(body);
  const address = deps.authenticate(form.get("username") ?? "", form.get("password") ?? "");
  if (!address) return reply(res, 200, loginPage('<p role="alert">Invalid username or password</p>'));
  const token = randomBytes(18).toString("base64url");
  sessions.set(token, address);
  if (sessions.size > MAX_SESSIONS) sessions.delete(sessions.keys().next().value!);
  reply(res, 302, "", {
    location: "/inbox",
    "set-cookie": `session=${token}; Path=/; HttpOnly; Secure; SameSite=Strict`,
  });
}

/** Reads a request body up to {@link MAX_BODY}; undefined when it is larger. */
async function readBody(req: http.IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function cookie(req: http.IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const [k, v] = part.trim().split("=");
    if (k === name) return v;
  }
  return undefined;
}

function reply(
  res: http.ServerResponse,
  status: number,
  html: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    "content-type": "text/html; charset=utf-8",
    "cache-control": "no-store",
    ...headers,
  });
  res.end(html);
}

function loginPage(notice: string): string {
  return page(`${notice}
<form method="post" action="/login">
  <label>Username <input name="username" autocomplete="username"></label>
  <label>Password <input name="password" type="password" autocomplete="current-password"></label>
  <button type="submit">Sign in</button>
</form>`);
}

function page(content: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>mailsla demo webmail</title></head>
<body><h1>mailsla demo webmail</h1>
${content}
</body></html>
`;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
