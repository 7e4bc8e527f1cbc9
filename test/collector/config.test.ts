import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { collectorProblems } from "../../config/collector.js";
import { parseConfigText } from "../../config/load.js";
import { configErrorOf } from "../helpers/config-error.js";
import { collectorConfigYaml, TOKEN_ENV } from "./fixtures.js";

const yaml = collectorConfigYaml({ listen: "127.0.0.1:9999", dataDir: "/tmp/x" });

beforeEach(() => Object.assign(process.env, TOKEN_ENV));
afterEach(() => {
  for (const k of Object.keys(TOKEN_ENV)) delete process.env[k];
});

describe("collector configuration", () => {
  it("applies defaults, derives the push URL from listen, and keeps tokens secret", () => {
    const c = parseConfigText(yaml).collector!;
    expect(c.url).toBe("http://127.0.0.1:9999");
    expect(c.maxBatch).toBe(1000);
    expect(c.maxBodyBytes).toBe(4 * 1024 * 1024);
    expect(c.agentTokens.a?.reveal()).toBe(TOKEN_ENV.MAILSLA_TEST_TOKEN_A);
    expect(JSON.stringify(c)).not.toContain(TOKEN_ENV.MAILSLA_TEST_TOKEN_A);
    expect(collectorProblems(parseConfigText(yaml), c)).toEqual([]);
    const noCollector = yaml.slice(0, yaml.indexOf("collector:"));
    expect(parseConfigText(noCollector).collector).toBeUndefined();
  });

  it("takes a list of collector URLs for agents to fail over between", () => {
    const list = yaml.replace(
      'listen: "127.0.0.1:9999"',
      'listen: "127.0.0.1:9999"\n  url: [https://c1.example.net, "https://c2.example.net:8443"]',
    );
    expect(parseConfigText(list).collector).toMatchObject({
      url: "https://c1.example.net",
      urls: ["https://c1.example.net", "https://c2.example.net:8443"],
    });
    expect(configErrorOf(list.replace("https://c2", "ftp://c2"))).toContain("collector.url[1]");
    expect(parseConfigText(yaml).collector).toMatchObject({ urls: ["http://127.0.0.1:9999"] });
  });

  it("reads the influx section with durations", () => {
    const c = parseConfigText(
      collectorConfigYaml({ listen: "127.0.0.1:1", dataDir: "/tmp/x", influxUrl: "http://127.0.0.1:8086" }),
    ).collector!;
    expect(c.influx).toMatchObject({
      url: "http://127.0.0.1:8086",
      database: "mailsla_test",
      flushInterval: 100,
    });
  });

  it("names the key path of each problem", () => {
    expect(configErrorOf(yaml.replace('listen: "127.0.0.1:9999"', "listen: nine"))).toContain(
      "collector.listen (line 14): expected host:port",
    );
    expect(
      configErrorOf(yaml.replace("maxBatch", "x").replace("agentTokens:", "maxbatch: 5\n  agentTokens:")),
    ).toContain('collector (line 14): unknown key "maxbatch"');
    expect(configErrorOf(yaml.replace("b: { env: MAILSLA_TEST_TOKEN_B }", "b: s3cret"))).toContain(
      "collector.agentTokens.b (line 18): expected { env: VARIABLE } or { file: /path/to/file }",
    );
  });

  it("refuses shared tokens and tokens for unknown vantage points", () => {
    process.env.MAILSLA_TEST_TOKEN_B = TOKEN_ENV.MAILSLA_TEST_TOKEN_A;
    expect(configErrorOf(yaml)).toContain(
      'collector.agentTokens.b (line 18): same token as vantage point "a": each agent needs its own',
    );
    process.env.MAILSLA_TEST_TOKEN_B = TOKEN_ENV.MAILSLA_TEST_ADMIN_TOKEN;
    expect(configErrorOf(yaml)).toContain("collector.agentTokens.b (line 18): same token as adminToken");
    process.env.MAILSLA_TEST_TOKEN_B = TOKEN_ENV.MAILSLA_TEST_TOKEN_B;
    const config = parseConfigText(yaml.replace("    c: { env", "    zz: { env"));
    expect(collectorProblems(config, config.collector!)).toEqual([
      'collector.agentTokens.zz: unknown vantage point "zz"',
    ]);
  });
});
