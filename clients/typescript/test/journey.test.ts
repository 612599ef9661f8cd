/**
 * The journey of two people against a LIVE server (PEERLESS_URL; scripts/run-journey.sh starts one
 * with short-lived access tokens, PEERLESS_ACCESS_TOKEN_SECONDS). Only 127.0.0.1 is spoken to.
 *
 * Alice and Bob register, connect, get a conversation; Alice's first send loses its answer on the
 * way back and is retried with the same client_msg_id (one message stored); Bob hears it on the
 * socket; Bob goes offline, misses a message and catches up through /sync on reconnecting; the
 * tokens expire: Bob's socket is dropped by the server and comes back after a refresh, and a burst
 * of Alice's calls on her expired token makes exactly one refresh; Bob signs out elsewhere and his
 * client notices (its refresh is refused).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { createPeerless, type Change, type Message, type Peerless, type Realtime } from "../src/index";

const BASE = process.env.PEERLESS_URL;
const ACCESS_SECONDS = Number(process.env.PEERLESS_ACCESS_TOKEN_SECONDS ?? "0");

interface Person {
  name: string;
  id: string;
  peerless: Peerless;
  changes: Change[];
  signedOut: number;
  refreshRequests: number;
  signedInAt: number;
  /** Let the next message POST reach the server, then lose its answer (a dropped connection). */
  dropNextSendAnswer: boolean;
  realtime?: Realtime;
}

async function register(name: string): Promise<Person> {
  const person = { name, changes: [], signedOut: 0, refreshRequests: 0, dropNextSendAnswer: false } as
    unknown as Person;
  const fetchThrough: typeof fetch = async (input, init) => {
    const request = input instanceof Request ? input : new Request(input, init);
    const url = new URL(request.url);
    assert.equal(url.hostname, "127.0.0.1", "the journey talks to 127.0.0.1 only");
    if (url.pathname === "/api/v1/auth/refresh") person.refreshRequests += 1;
    const losing = person.dropNextSendAnswer && request.method === "POST" && url.pathname.endsWith("/messages");
    const response = await fetch(request);
    if (losing) {
      person.dropNextSendAnswer = false;
      await response.arrayBuffer(); // the server did its work; the phone never hears about it
      throw new TypeError("network connection lost");
    }
    return response;
  };
  person.peerless = createPeerless({ baseUrl: BASE!, fetch: fetchThrough, onSignedOut: () => person.signedOut++ });
  const me = await person.peerless.signIn({
    register: {
      email: `journey-${crypto.randomUUID()}@example.org`, password: "a long journey passphrase 42",
      display_name: name, birth_year: 1985, accept_terms: true, consent_health_data: true,
    },
  });
  person.signedInAt = Date.now();
  person.id = me.id!;
  return person;
}

async function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const messagesOf = (person: Person, id: string) =>
  person.changes.filter((c): c is Extract<Change, { kind: "message" }> => c.kind === "message" && c.message.id === id);

test("two people: retried send, live event, offline catch-up, token expiry, sign-out", {
  skip: BASE ? false : "set PEERLESS_URL (scripts/run-journey.sh starts a server)",
  timeout: 120_000,
}, async () => {
  assert.ok(ACCESS_SECONDS > 0 && ACCESS_SECONDS <= 30,
    "PEERLESS_ACCESS_TOKEN_SECONDS: the server's ACCESS_TOKEN_SECONDS, short, so tokens expire during the journey");
  const alice = await register("Alice");
  const bob = await register("Bob");
  try {
    // --- connect: Alice asks, Bob accepts, which opens their direct conversation -----------------
    const asked = await alice.peerless.api.POST("/api/v1/connections", { body: { user_id: bob.id } });
    assert.equal(asked.response.status, 201, JSON.stringify(asked.error));
    const accepted = await bob.peerless.api.POST("/api/v1/connections/{connection_id}/accept", {
      params: { path: { connection_id: asked.data!.id! } },
    });
    assert.equal(accepted.response.status, 200, JSON.stringify(accepted.error));
    const conversationId = accepted.data!.conversation_id!;
    assert.ok(conversationId);

    // --- Bob online: the first connect takes a snapshot ---------------------------------------
    bob.realtime = bob.peerless.realtime({
      onChange: (change) => bob.changes.push(change),
      socketOptions: { reconnectionDelay: 200, reconnectionDelayMax: 1000 },
    }).connect();
    await waitFor("Bob's first catch-up", () => bob.realtime!.catchUps >= 1);
    assert.ok(bob.changes.some((c) => c.kind === "sync" && c.snapshot), "a snapshot on first connect");
    const snapshotToken = bob.realtime.syncToken;
    assert.ok(snapshotToken);

    // --- a send whose answer is lost: retried with the same client_msg_id, stored once -----------
    alice.dropNextSendAnswer = true;
    const first = await alice.peerless.sendMessage(conversationId, "How was the clinic today?",
      { baseDelayMs: 50 });
    assert.equal(first.attempts, 2, "the first attempt's answer was lost");
    assert.equal(first.duplicate, true, "the retry was answered 200: the server had it already");
    assert.equal(first.message.client_msg_id, first.clientMsgId);
    const listed = await alice.peerless.api.GET("/api/v1/conversations/{conversation_id}/messages", {
      params: { path: { conversation_id: conversationId } },
    });
    assert.deepEqual(listed.data!.items!.map((m) => [m.id, m.client_msg_id, m.seq]),
      [[first.message.id, first.clientMsgId, 1]], "exactly one message, whatever the retries");

    // --- Bob hears it live, once -----------------------------------------------------------------
    await waitFor("message.created on Bob's socket", () => messagesOf(bob, first.message.id!).length > 0);
    assert.deepEqual(messagesOf(bob, first.message.id!).map((c) => c.source), ["socket"]);

    // --- Bob offline; a message meanwhile; Bob back: caught up through /sync ---------------------
    bob.realtime.disconnect();
    await waitFor("Bob offline", () => !bob.realtime!.socket.connected);
    const catchUpsBefore = bob.realtime.catchUps;
    const second = await alice.peerless.sendMessage(conversationId, "Sent while you were away");
    assert.equal(second.duplicate, false);
    assert.equal(second.message.seq, 2);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(messagesOf(bob, second.message.id!).length, 0, "offline: nothing live");
    bob.realtime.connect();
    await waitFor("Bob's catch-up", () => bob.realtime!.catchUps > catchUpsBefore);
    assert.deepEqual(messagesOf(bob, second.message.id!).map((c) => c.source), ["sync"]);
    assert.notEqual(bob.realtime.syncToken, snapshotToken, "the sync token moved on");
    assert.equal(messagesOf(bob, first.message.id!).length, 1, "nothing delivered twice");
    assert.equal(bob.refreshRequests + alice.refreshRequests, 0, "no refresh needed so far");

    // --- the access tokens expire ----------------------------------------------------------------
    // Bob's socket outlives no token: the server drops it; his client refreshes and reconnects.
    const connectsBefore = bob.realtime.connects;
    await waitFor("Bob's socket dropped at expiry, refreshed and reconnected",
      () => bob.refreshRequests === 1 && bob.realtime!.connects > connectsBefore && bob.realtime!.socket.connected,
      (ACCESS_SECONDS + 15) * 1000);
    // Alice: a burst of calls on her expired token; they share one refresh.
    await waitFor("Alice's token expired", () => Date.now() > alice.signedInAt + ACCESS_SECONDS * 1000 + 1200,
      (ACCESS_SECONDS + 5) * 1000);
    const aliceToken = alice.peerless.auth.accessToken;
    const [third, ...reads] = await Promise.all([
      alice.peerless.sendMessage(conversationId, "Back again after the refresh"),
      ...Array.from({ length: 5 }, () => alice.peerless.api.GET("/api/v1/me")),
      alice.peerless.api.GET("/api/v1/conversations/{conversation_id}", {
        params: { path: { conversation_id: conversationId } },
      }),
    ]);
    for (const read of reads) assert.equal(read.response.status, 200);
    assert.equal(third.message.seq, 3);
    assert.equal(third.attempts, 1, "the 401 was handled under sendMessage, not as a failed attempt");
    assert.equal(alice.refreshRequests, 1, "seven concurrent calls on an expired token: one refresh");
    assert.notEqual(alice.peerless.auth.accessToken, aliceToken);
    assert.equal(alice.signedOut, 0);

    // Bob, on his renewed socket, gets the third message once.
    await waitFor("the third message at Bob", () => messagesOf(bob, third.message.id!).length > 0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(messagesOf(bob, third.message.id!).length, 1);
    assert.equal(bob.signedOut, 0);

    // --- Bob's session ends (a logout): the socket is dropped, the refresh refused, he is signed out
    const loggedOut = await bob.peerless.api.POST("/api/v1/auth/logout");
    assert.equal(loggedOut.response.status, 204);
    await waitFor("Bob signed out by his client", () => bob.signedOut === 1);
    assert.equal(bob.peerless.auth.signedIn, false);
    await waitFor("Bob's socket closed", () => !bob.realtime!.socket.connected);

    // --- the record: three messages, seq 1..3, no duplicate ---------------------------------------
    const all = await alice.peerless.api.GET("/api/v1/conversations/{conversation_id}/messages", {
      params: { path: { conversation_id: conversationId } },
    });
    assert.deepEqual(all.data!.items!.map((m: Message) => m.seq).sort(), [1, 2, 3]);
  } finally {
    alice.realtime?.close();
    bob.realtime?.close();
  }
});
