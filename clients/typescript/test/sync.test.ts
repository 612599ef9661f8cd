/** Catch-up through /sync: pages until has_more is false; a 410 falls back to a snapshot. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { createPeerless, fetchChanges } from "../src/index";
import { fakeFetch, json, problem } from "./fake";

const BASE = "http://127.0.0.1:9";
const TOKENS = { access_token: "a", refresh_token: "r" };

test("pages are read until has_more is false, and the last next_since is kept", async () => {
  const server = fakeFetch((request) => {
    const since = new URL(request.url).searchParams.get("since");
    if (since === "t1") return json(200, { next_since: "t2", has_more: true, messages: [{ id: "m1" }] });
    if (since === "t2") return json(200, { next_since: "t3", has_more: false, messages: [{ id: "m2" }] });
    return json(500, {});
  });
  const { api } = createPeerless({ baseUrl: BASE, fetch: server.fetch, tokens: TOKENS });
  const result = await fetchChanges(api, "t1");
  assert.deepEqual(result.pages.map((p) => p.messages?.[0]?.id), ["m1", "m2"]);
  assert.equal(result.since, "t3");
  assert.equal(result.snapshot, false);
});

test("sync_token_expired (410) takes a fresh snapshot", async () => {
  const server = fakeFetch((request) => {
    const since = new URL(request.url).searchParams.get("since");
    if (since === "old") return problem(410, "sync_token_expired");
    if (since === null) return json(200, { next_since: "fresh", has_more: false, conversations: [] });
    return json(500, {});
  });
  const { api } = createPeerless({ baseUrl: BASE, fetch: server.fetch, tokens: TOKENS });
  const result = await fetchChanges(api, "old");
  assert.equal(result.snapshot, true);
  assert.equal(result.since, "fresh");
  assert.deepEqual(server.log.map((r) => r.path), ["/api/v1/sync?since=old", "/api/v1/sync"]);
});
