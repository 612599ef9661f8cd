/** sendMessage retries with one client_msg_id, and only when a retry can help. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { SendError, createPeerless, retryAfterMs } from "../src/index";
import { fakeFetch, json, problem } from "./fake";

const BASE = "http://127.0.0.1:9";
const TOKENS = { access_token: "a", refresh_token: "r" };
const FAST = { baseDelayMs: 1, maxDelayMs: 5 };

test("network errors, 5xx and 429 are retried with the same client_msg_id, honouring Retry-After", async () => {
  const answers: Array<() => Response> = [
    () => { throw new TypeError("fetch failed"); },
    () => problem(503, "database_unavailable"),
    () => problem(429, "rate_limited", { "Retry-After": "1" }),
    () => json(200, { id: "m", seq: 1, body: "hi" }),
  ];
  const times: number[] = [];
  const server = fakeFetch(() => {
    times.push(Date.now());
    return answers.shift()!();
  });
  const peerless = createPeerless({ baseUrl: BASE, fetch: server.fetch, tokens: TOKENS });
  const result = await peerless.sendMessage("c1", "hi", FAST);
  assert.equal(result.attempts, 4);
  assert.equal(result.duplicate, true, "200 means an earlier attempt was stored");
  assert.equal(result.message.id, "m");
  const ids = server.log.map((r) => JSON.parse(r.body).client_msg_id);
  assert.equal(ids.length, 4);
  assert.equal(new Set(ids).size, 1, "one client_msg_id for every attempt");
  assert.equal(ids[0], result.clientMsgId);
  assert.match(result.clientMsgId, /^[0-9a-f-]{36}$/);
  assert.ok(times[3]! - times[2]! >= 950, "waited the Retry-After second");
});

test("a 4xx other than 408/429 is not retried; attempts are bounded", async () => {
  const refused = fakeFetch(() => problem(403, "permission_denied"));
  const peerless = createPeerless({ baseUrl: BASE, fetch: refused.fetch, tokens: TOKENS });
  await assert.rejects(peerless.sendMessage("c1", "hi", FAST),
    (error: unknown) => error instanceof SendError && error.status === 403);
  assert.equal(refused.log.length, 1);

  const down = fakeFetch(() => problem(500, "internal_error"));
  const other = createPeerless({ baseUrl: BASE, fetch: down.fetch, tokens: TOKENS });
  await assert.rejects(other.sendMessage("c1", "hi", { ...FAST, maxAttempts: 3 }),
    (error: unknown) => error instanceof SendError && error.status === 500);
  assert.equal(down.log.length, 3);
});

test("Retry-After as seconds or an HTTP date", () => {
  assert.equal(retryAfterMs("2"), 2000);
  assert.equal(retryAfterMs(null), null);
  const inAMinute = new Date(Date.now() + 60_000).toUTCString();
  assert.ok(Math.abs(retryAfterMs(inAMinute)! - 60_000) < 2000);
});
