/** Single-flight refresh, against a fake API that behaves like the real one (rotation, replay = 401). */
import assert from "node:assert/strict";
import { test } from "node:test";
import { createPeerless } from "../src/index";
import { fakeFetch, json, problem, sleep } from "./fake";

const BASE = "http://127.0.0.1:9";

/** Access token `access-N` works once it is current; refresh token `refresh-N` works once (rotation). */
function rotatingServer(options: { refuseRefresh?: boolean } = {}) {
  let current = 1;
  const used = new Set<string>();
  return fakeFetch(async (request) => {
    const path = new URL(request.url).pathname;
    const auth = request.headers.get("Authorization") ?? "";
    if (path === "/api/v1/auth/refresh") {
      await sleep(30); // long enough for every concurrent caller to pile up behind it
      if (options.refuseRefresh || used.has(auth) || auth !== `Bearer refresh-${current}`) {
        return problem(401, "token_revoked");
      }
      used.add(auth);
      current += 1;
      return json(200, { access_token: `access-${current}`, refresh_token: `refresh-${current}` });
    }
    if (auth !== `Bearer access-${current}`) return problem(401, "token_expired");
    if (path === "/api/v1/me") return json(200, { id: "me" });
    if (request.method === "POST") return json(201, { echo: await request.json() });
    return json(404, {});
  });
}

test("N concurrent calls on an expired token cause exactly one refresh, then each is retried once", async () => {
  const server = rotatingServer();
  let signedOut = 0;
  const saved: string[] = [];
  const peerless = createPeerless({
    baseUrl: BASE, fetch: server.fetch, tokens: { access_token: "access-0", refresh_token: "refresh-1" },
    onSignedOut: () => signedOut++, onTokens: (tokens) => saved.push(tokens.refresh_token),
  });
  const calls = Array.from({ length: 8 }, () => peerless.api.GET("/api/v1/me"));
  // A write in the same burst: its body must survive the retry.
  const write = peerless.api.POST("/api/v1/conversations/{conversation_id}/messages", {
    params: { path: { conversation_id: "c1" } }, body: { client_msg_id: "m1", body: "hello" },
  });
  const results = await Promise.all(calls);
  for (const { data, response } of results) {
    assert.equal(response.status, 200);
    assert.deepEqual(data, { id: "me" });
  }
  const written = await write;
  assert.equal(written.response.status, 201);
  assert.deepEqual(written.data, { echo: { client_msg_id: "m1", body: "hello" } });

  assert.equal(server.log.filter((r) => r.path === "/api/v1/auth/refresh").length, 1, "one refresh request");
  assert.equal(peerless.auth.refreshCount, 1);
  assert.equal(peerless.auth.accessToken, "access-2");
  assert.deepEqual(saved, ["refresh-2"], "the rotated refresh token is handed over for storage");
  assert.equal(signedOut, 0);
  // 9 first tries with the expired token, 1 refresh, 9 retries with the new one: nothing retried twice.
  assert.equal(server.log.length, 19);
  assert.equal(server.log.filter((r) => r.auth === "Bearer access-2").length, 9);

  // Later calls use the new token directly: no further refresh.
  assert.equal((await peerless.api.GET("/api/v1/me")).response.status, 200);
  assert.equal(server.log.filter((r) => r.path === "/api/v1/auth/refresh").length, 1);
});

test("a refused refresh signs out once, and every waiting caller gets its 401", async () => {
  const server = rotatingServer({ refuseRefresh: true });
  let signedOut = 0;
  const peerless = createPeerless({
    baseUrl: BASE, fetch: server.fetch, tokens: { access_token: "access-0", refresh_token: "refresh-1" },
    onSignedOut: () => signedOut++,
  });
  const results = await Promise.all(Array.from({ length: 5 }, () => peerless.api.GET("/api/v1/me")));
  for (const { response } of results) assert.equal(response.status, 401);
  assert.equal(server.log.filter((r) => r.path === "/api/v1/auth/refresh").length, 1);
  assert.equal(signedOut, 1);
  assert.equal(peerless.auth.signedIn, false);
});

test("token_revoked signs out without trying a refresh", async () => {
  const server = fakeFetch(() => problem(401, "token_revoked"));
  let signedOut = 0;
  const peerless = createPeerless({
    baseUrl: BASE, fetch: server.fetch, tokens: { access_token: "a", refresh_token: "r" },
    onSignedOut: () => signedOut++,
  });
  assert.equal((await peerless.api.GET("/api/v1/me")).response.status, 401);
  assert.equal(server.log.length, 1);
  assert.equal(signedOut, 1);
});
