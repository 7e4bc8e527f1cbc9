import { pino, type Logger } from "pino";

/**
 * The process logger: JSON lines (pino), one object per event, so logs can be shipped and queried;
 * the level comes from MAILSLA_LOG_LEVEL. Secrets never reach it: config values print as [secret].
 */
export function createLogger(name: string, level = process.env.MAILSLA_LOG_LEVEL ?? "info"): Logger {
  return pino({ name, level, base: { pid: process.pid } });
}

export type { Logger };
