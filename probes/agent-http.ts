import Fastify, { type FastifyInstance } from "fastify";
import type { Registry } from "prom-client";

/** The agent's own small HTTP server: /metrics for Prometheus and /healthz for the orchestrator. */
export async function serveMetrics(
  registry: Registry,
  listen: string,
): Promise<{ server: FastifyInstance; url: string }> {
  const server = Fastify({ logger: false });
  server.get("/metrics", async (_req, reply) => {
    reply.header("content-type", registry.contentType);
    return registry.metrics();
  });
  server.get("/healthz", async () => ({ ok: true }));
  const i = listen.lastIndexOf(":");
  const url = await server.listen({ host: listen.slice(0, i), port: Number(listen.slice(i + 1)) });
  return { server, url };
}
