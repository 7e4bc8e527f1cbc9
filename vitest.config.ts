import { defineConfig } from "vitest/config";

/** Tests start real servers (Postfix, Dovecot, ...) on loopback: generous timeouts, no parallel files
 * that reconfigure the same stack at once (each file gets its own stack, so files may run in parallel). */
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    fileParallelism: true,
    maxWorkers: 2,
  },
});
