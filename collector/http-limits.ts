import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { FastifyServerOptions } from "fastify";
import type { CollectorLimits } from "../config/collector.js";

/**
 * The listening collector's connection limits (collector.limits, docs/security.md): a socket that
 * says nothing is closed after `idleTimeout`, headers must arrive within `headersTimeout`, a whole
 * request within `requestTimeout` (a body sent at 1 byte/s is cut), an idle keep-alive connection
 * is closed after `keepAliveTimeout`, and connections beyond `maxConnections` are refused at once so
 * a flood of idle sockets cannot take the file descriptors agents and /readyz need. Node checks
 * request and header deadlines on an interval; it runs at a tenth of the shortest deadline (at
 * most every second), so a deadline holds within that.
 */
export function listeningOptions(limits: CollectorLimits): FastifyServerOptions {
  const checkEvery = Math.max(
    50,
    Math.min(1000, Math.round(Math.min(limits.headersTimeout, limits.requestTimeout) / 10)),
  );
  return {
    connectionTimeout: limits.idleTimeout,
    keepAliveTimeout: limits.keepAliveTimeout,
    requestTimeout: limits.requestTimeout,
    serverFactory: (handler: (req: IncomingMessage, res: ServerResponse) => void): Server => {
      const server = createServer(
        {
          requestTimeout: limits.requestTimeout,
          headersTimeout: Math.min(limits.headersTimeout, limits.requestTimeout),
          keepAliveTimeout: limits.keepAliveTimeout,
          connectionsCheckingInterval: checkEvery,
        },
        handler,
      );
      server.timeout = limits.idleTimeout;
      server.maxConnections = limits.maxConnections;
      return server;
    },
  };
}
