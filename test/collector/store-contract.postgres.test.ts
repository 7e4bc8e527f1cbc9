import { afterAll, beforeAll } from "vitest";
import { openPostgresStore } from "../../collector/store/postgres/index.js";
import type { CollectorStore } from "../../collector/store/types.js";
import { startPostgres, type PostgresServer } from "../stack/postgres.js";
import { storeContract } from "./store-contract.js";

let server: PostgresServer;
beforeAll(async () => {
  server = await startPostgres();
}, 120_000);
afterAll(() => server?.stop());

const urls = new WeakMap<CollectorStore, string>();
const open = async (url: string) => {
  const store = await openPostgresStore({ url });
  urls.set(store, url);
  return store;
};

storeContract("postgres", {
  fresh: async () => open(await server.database()),
  reopen: async (store) => {
    await store.close();
    return open(urls.get(store)!);
  },
});
