/**
 * The README's validate command, run exactly as the README writes it (the code block that validates
 * config/mailsla.example.yaml), on the shipped example and its documented placeholder secrets.
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { expect, it } from "vitest";
import { REPO } from "./process.js";

const sh = promisify(execFile);

/** The README's shell block that validates the example configuration. */
function readmeBlock(): string {
  const readme = readFileSync(path.join(REPO, "README.md"), "utf8");
  const blocks = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const block = blocks.find((b) => b.includes("validate --config config/mailsla.example.yaml"));
  if (!block) throw new Error("README has no sh block validating config/mailsla.example.yaml");
  return block;
}

it("config/mailsla.example.yaml passes the README's validate command with config/example.env", async () => {
  const mailsla = `mailsla() { node "${path.join(REPO, "dist/cli/main.js")}" "$@"; }`;
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("MAILSLA_")));
  const { stdout } = await sh("bash", ["-euc", `${mailsla}\n${readmeBlock()}`], { cwd: REPO, env });
  expect(stdout).toMatch(
    /^config\/mailsla\.example\.yaml: valid\. Example Mail, 2 segment\(s\), 3 vantage point\(s\)/,
  );
});

it("fails without the documented environment, naming each missing secret", async () => {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("MAILSLA_")));
  const run = sh(
    process.execPath,
    ["dist/cli/main.js", "validate", "--config", "config/mailsla.example.yaml"],
    {
      cwd: REPO,
      env,
    },
  );
  await expect(run).rejects.toMatchObject({
    code: 2,
    stderr: expect.stringContaining("MAILSLA_ADMIN_TOKEN is not set"),
  });
});
