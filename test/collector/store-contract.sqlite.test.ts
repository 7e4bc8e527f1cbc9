import { join } from "node:path";
import { openStore } from "../../collector/store/index.js";
import { tempDir } from "./fixtures.js";
import { storeContract } from "./store-contract.js";

storeContract("sqlite", {
  fresh: async () => openStore(join(tempDir(), "collector.sqlite")),
  reopen: async (store) => {
    await store.close();
    return openStore(store.file!);
  },
});
