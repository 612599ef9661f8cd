/**
 * Socket.IO with catch-up: live events are a shortcut, `GET /api/v1/sync` is the record.
 *
 * Every (re)connect first pages through `/sync?since=<last token>` and delivers what was missed,
 * then the live events that arrived meanwhile (held back so the order stays "missed, then live").
 * The token is kept (and handed to `onSyncToken` to persist), so nothing is missed across a lost
 * connection, a killed app or a server restart. A token too old for the server (410
 * `sync_token_expired`) is dropped for a fresh snapshot, flagged so the app replaces its state.
 *
 * The socket authenticates with the access token (`auth: {token}`) and lives no longer than it:
 * after each refresh the new token is sent as `auth.renew`. A socket the server dropped anyway (the
 * token expired while idle, the session ended) or refused ("unauthorized") gets one refresh and
 * one more try; if the refresh is refused the person is signed out and the socket stays closed.
 */
import type { Client } from "openapi-fetch";
import { io, type Socket } from "socket.io-client";
import type { Auth } from "./auth";
import type { components, paths } from "./schema";

type Schemas = components["schemas"];
export type Message = Schemas["Message"];
export type SyncPage = Schemas["Sync"];
export type Source = "socket" | "sync";

/** What the app is told, from the socket or from `/sync` alike. */
export type Change =
  | { kind: "message"; message: Message; source: Source }
  | { kind: "read"; read: Schemas["ReadPosition"]; source: Source }
  | { kind: "connection"; connection: Schemas["Connection"]; source: Source }
  | { kind: "mentorship"; mentorship: Schemas["Mentorship"]; source: Source }
  /** A whole `/sync` page (conversations, notifications, left conversations...), after its parts above. */
  | { kind: "sync"; page: SyncPage; snapshot: boolean };

export interface RealtimeOptions {
  baseUrl: string;
  api: Client<paths>;
  auth: Auth;
  onChange: (change: Change) => void;
  /** The last sync token stored (none: start with a snapshot). */
  since?: string | null;
  onSyncToken?: (token: string) => void;
  onError?: (error: unknown) => void;
  /** Passed on to socket.io-client (tests: `transports`, `reconnectionDelay`). */
  socketOptions?: Parameters<typeof io>[1];
}

export class SyncTokenExpired extends Error {}

/**
 * Page through `/sync` from `since` until `has_more` is false. On 410 start again without a token
 * (a snapshot). Returns the pages and the token to keep.
 */
export async function fetchChanges(api: Client<paths>, since: string | null):
  Promise<{ pages: SyncPage[]; since: string; snapshot: boolean }> {
  const pages: SyncPage[] = [];
  let snapshot = since === null;
  let token = since;
  for (let guard = 0; guard < 1000; guard++) {
    const { data, response } = await api.GET("/api/v1/sync", {
      params: { query: token === null ? {} : { since: token } },
    });
    if (response.status === 410 && token !== null) {
      pages.length = 0; // what was read from the old token is superseded by the snapshot
      token = null;
      snapshot = true;
      continue;
    }
    if (!data?.next_since) throw new Error(`GET /sync failed: HTTP ${response.status}`);
    pages.push(data);
    token = data.next_since;
    if (!data.has_more) return { pages, since: token, snapshot };
  }
  throw new Error("GET /sync did not finish");
}

export class Realtime {
  readonly socket: Socket;
  private since: string | null;
  private catchingUp = false;
  private again = false;
  private held: Array<() => void> = [];
  private seen = new Set<string>();
  private stopped = false;
  private authRetried = false;
  private unsubscribe: () => void;

  /** Counters for diagnostics (and the journey test): connects, and catch-ups completed. */
  connects = 0;
  catchUps = 0;

  constructor(private readonly options: RealtimeOptions) {
    this.since = options.since ?? null;
    this.socket = io(options.baseUrl, {
      autoConnect: false,
      // A function, so every automatic reconnect presents the newest access token.
      auth: (cb) => cb({ token: options.auth.accessToken }),
      ...options.socketOptions,
    });
    this.socket.on("connect", () => {
      this.connects += 1;
      this.authRetried = false;
      void this.catchUp();
    });
    this.socket.on("connect_error", (error) => {
      // `socket.active` false: the server refused us (an expired token), so no automatic retry.
      if (!this.socket.active) void this.reauthenticate(error);
    });
    this.socket.on("disconnect", (reason) => {
      // The server closed it: token expiry without a renew, or the session ended. Refresh tells which.
      if (reason === "io server disconnect") void this.reauthenticate(reason);
    });
    for (const event of ["message.created", "message.updated"] as const) {
      this.socket.on(event, (message: Message) => this.live(() => this.deliverMessage(message, "socket")));
    }
    this.socket.on("read.updated", (read: Schemas["ReadPosition"]) =>
      this.live(() => options.onChange({ kind: "read", read, source: "socket" })));
    this.socket.on("connection.updated", (connection: Schemas["Connection"]) =>
      this.live(() => options.onChange({ kind: "connection", connection, source: "socket" })));
    this.socket.on("mentorship.updated", (mentorship: Schemas["Mentorship"]) =>
      this.live(() => options.onChange({ kind: "mentorship", mentorship, source: "socket" })));
    this.unsubscribe = options.auth.onChange((tokens) => {
      if (tokens === null) this.disconnect();
      else if (this.socket.connected) {
        // Keep this socket alive past the old token's expiry; `{ok: false}` is harmless (we reconnect if dropped).
        this.socket.timeout(10_000).emitWithAck("auth.renew", { token: tokens.access_token })
          .catch((error: unknown) => options.onError?.(error));
      }
    });
  }

  get syncToken(): string | null {
    return this.since;
  }

  connect(): this {
    this.stopped = false;
    if (this.options.auth.signedIn) this.socket.connect();
    return this;
  }

  /** Go offline (the app went to the background); `connect()` later catches up. */
  disconnect(): void {
    this.stopped = true;
    this.socket.disconnect();
  }

  /** Stop for good: also stop following token changes. */
  close(): void {
    this.disconnect();
    this.unsubscribe();
  }

  /** Read everything missed since the kept token, deliver it, then release the held live events. */
  async catchUp(): Promise<void> {
    if (this.catchingUp) {
      this.again = true; // a reconnect during a catch-up: read once more when this one ends
      return;
    }
    this.catchingUp = true;
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          const { pages, since, snapshot } = await fetchChanges(this.options.api, this.since);
          pages.forEach((page, index) => this.deliverPage(page, snapshot && index === 0));
          this.since = since;
          this.options.onSyncToken?.(since);
          this.catchUps += 1;
          if (!this.again) break;
          this.again = false;
          attempt = 0;
          continue;
        } catch (error) {
          this.options.onError?.(error);
          if (attempt >= 3 || !this.socket.connected) break; // the next connect tries again
          await new Promise((resolve) => setTimeout(resolve, 1000 * attempt));
        }
      }
    } finally {
      this.catchingUp = false;
      const held = this.held;
      this.held = [];
      held.forEach((deliver) => deliver());
    }
  }

  private live(deliver: () => void): void {
    if (this.catchingUp) this.held.push(deliver);
    else deliver();
  }

  private deliverPage(page: SyncPage, snapshot: boolean): void {
    for (const message of page.messages ?? []) this.deliverMessage(message, "sync");
    for (const read of page.read_positions ?? []) this.options.onChange({ kind: "read", read, source: "sync" });
    for (const connection of page.connections ?? []) {
      this.options.onChange({ kind: "connection", connection, source: "sync" });
    }
    for (const mentorship of page.mentorships ?? []) {
      this.options.onChange({ kind: "mentorship", mentorship, source: "sync" });
    }
    this.options.onChange({ kind: "sync", page, snapshot });
  }

  /**
   * A message can reach us twice: live on the socket and again in the `/sync` after a reconnect.
   * The same version (id, edit time, deletion) is delivered once; a bounded memory is enough,
   * since the overlap is only what arrived around one reconnect.
   */
  private deliverMessage(message: Message, source: Source): void {
    const version = `${message.id}|${message.edited_at ?? ""}|${message.deleted ? 1 : 0}`;
    if (this.seen.has(version)) return;
    this.seen.add(version);
    if (this.seen.size > 2000) this.seen.delete(this.seen.values().next().value as string);
    this.options.onChange({ kind: "message", message, source });
  }

  private async reauthenticate(reason: unknown): Promise<void> {
    if (this.stopped || this.authRetried) {
      if (!this.stopped) this.options.onError?.(reason);
      return;
    }
    this.authRetried = true; // once per successful connect: a refused fresh token must not loop
    try {
      const token = await this.options.auth.refresh();
      if (token !== null && !this.stopped) this.socket.connect();
    } catch (error) {
      // Offline or server trouble: try again later, through socket.io's own reconnection delay.
      this.options.onError?.(error);
      this.authRetried = false;
      setTimeout(() => {
        if (!this.stopped && !this.socket.connected) void this.reauthenticate(reason);
      }, 5000);
    }
  }
}
