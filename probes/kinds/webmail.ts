import { readFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import type { TLSSocket } from "node:tls";
import { codedError, ProbeError, type Stage } from "../../contract/errors.js";
import { certificateInfo } from "../net/tls.js";
import type { CheckOutcome } from "../../contract/result.js";
import type { ServiceOf } from "../../config/services.js";
import type { CheckContext, CheckKind } from "./kind.js";

/**
 * Webmail check: GET the page (status and optional text), then optionally log in through the form
 * with the probe account. Uses node:http(s) rather than fetch because the `undici` package (needed
 * for a per-check CA or `verify: false` with fetch) is not a dependency, and because the socket is
 * then ours: connect and TLS are timed as their own phases and the certificate lands in the result.
 */
export const webmailCheck: CheckKind<"webmail"> = { kind: "webmail", run };

type Service = ServiceOf<"webmail">;

/** Bytes of a body kept for the `contains` match; a webmail login page is far smaller. */
const MAX_BODY = 1024 * 1024;

interface Response {
  status: number;
  body: string;
  cookies: string[];
}

async function run(service: Service, ctx: CheckContext): Promise<CheckOutcome> {
  const tlsOptions = {
    rejectUnauthorized: service.tls.verify,
    ...(service.tls.caFile ? { ca: readFileSync(service.tls.caFile, "utf8") } : {}),
  };
  const account = service.login ? ctx.account(service.login.account) : undefined;
  const page = await fetchPage(ctx, { url: service.url, tls: tlsOptions });
  const { response } = page;
  expectStatus(response.status, service.expectStatus, "http");
  if (service.contains !== undefined) {
    const text = service.contains;
    await ctx.phase("content", async () => expectText(response.body, text, "content"));
  }
  const details: Record<string, number> = {
    status: response.status,
    bytes: Buffer.byteLength(response.body),
  };
  const login = service.login;
  if (login && account) {
    const form = new URLSearchParams({
      ...login.extraFields,
      [login.usernameField]: account.username,
      [login.passwordField]: account.password.reveal(),
    });
    const answer = await ctx.phase("login", () =>
      request(login.url, ctx.signal, tlsOptions, {
        method: "POST",
        body: form.toString(),
        headers: { "content-type": "application/x-www-form-urlencoded", cookie: response.cookies.join("; ") },
      }),
    );
    expectStatus(answer.status, login.expectStatus, "login");
    if (login.contains !== undefined) expectText(answer.body, login.contains, "login");
    details.loginStatus = answer.status;
  }
  return { ...(page.certificate ? { tls: page.certificate } : {}), details };
}

/**
 * GETs the page with each step in its own phase: `connect` until the TCP connection is up, `tls` until
 * the handshake is done (https only), `http` until the response is read. Errors land in the phase that
 * was running when they happened.
 */
async function fetchPage(
  ctx: CheckContext,
  o: { url: string; tls: https.RequestOptions },
): Promise<{ response: Response; certificate: CheckOutcome["tls"] }> {
  const steps = startRequest(o.url, ctx.signal, o.tls, { method: "GET" });
  const socket = await ctx.phase("connect", () => steps.connected);
  let certificate: CheckOutcome["tls"];
  if (new URL(o.url).protocol === "https:") {
    await ctx.phase("tls", () => steps.secured);
    certificate = certificateInfo(socket as TLSSocket);
  }
  const response = await ctx.phase("http", () => steps.response);
  return { response, certificate };
}

/** One request as a whole, for the login step. */
function request(
  url: string,
  signal: AbortSignal,
  tlsOptions: https.RequestOptions,
  init: { method: string; body?: string; headers?: Record<string, string> },
): Promise<Response> {
  return startRequest(url, signal, tlsOptions, init).response;
}

/**
 * Starts a request on a fresh connection (no keep-alive agent: each check measures a connection set-up)
 * and exposes its milestones as promises. Every promise rejects with the request's error, so whichever
 * phase is waiting gets it; the others are marked handled.
 */
function startRequest(
  url: string,
  signal: AbortSignal,
  tlsOptions: https.RequestOptions,
  init: { method: string; body?: string; headers?: Record<string, string> },
): { connected: Promise<http.ClientRequest["socket"]>; secured: Promise<void>; response: Promise<Response> } {
  const target = new URL(url);
  const secure = target.protocol === "https:";
  const headers = { "user-agent": "mailsla-probe", ...init.headers };
  const opts = { method: init.method, headers, agent: false as const, signal, ...(secure ? tlsOptions : {}) };
  const req = (secure ? https : http).request(target, opts);
  const connected = new Promise<http.ClientRequest["socket"]>((resolve, reject) => {
    req.once("error", reject);
    req.once("socket", (s) => (s.connecting ? s.once("connect", () => resolve(s)) : resolve(s)));
  });
  const secured = new Promise<void>((resolve, reject) => {
    req.once("error", reject);
    req.once("socket", (s) => s.once("secureConnect", () => resolve()));
  });
  const response = new Promise<Response>((resolve, reject) => {
    req.once("error", (err) => reject(httpFailure(err)));
    req.once("response", (res) => readResponse(res).then(resolve, reject));
  });
  for (const p of [connected, secured, response]) p.catch(() => undefined);
  req.end(init.body);
  return { connected, secured, response };
}

/** node:http's parser errors (HPE_*) mean the peer does not speak HTTP: another protocol or garbage. */
function httpFailure(err: Error & { code?: unknown }): Error {
  if (typeof err.code === "string" && err.code.startsWith("HPE_")) {
    return codedError("protocol", `not an HTTP response: ${err.message}`);
  }
  return err;
}

/** Reads the body (up to MAX_BODY) and the cookies a login will need. */
async function readResponse(res: http.IncomingMessage): Promise<Response> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res as AsyncIterable<Buffer>) {
    if (size < MAX_BODY) chunks.push(chunk);
    size += chunk.length;
  }
  const cookies = (res.headers["set-cookie"] ?? []).map((c) => c.split(";")[0]!.trim()).filter(Boolean);
  return { status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8"), cookies };
}

function expectStatus(status: number, expected: readonly number[], stage: Stage): void {
  if (expected.includes(status)) return;
  const want = expected.join(", ");
  throw new ProbeError("http-status", stage, `HTTP status ${status}, expected one of ${want}`, status);
}

function expectText(body: string, text: string, stage: Stage): void {
  if (body.includes(text)) return;
  throw new ProbeError("content-mismatch", stage, `the page does not contain ${JSON.stringify(text)}`);
}
