/**
 * Tokens and their refresh: the one piece of auth the generated client cannot do.
 *
 * The API hands out a short-lived access token (15 min by default) and a long-lived refresh token
 * with *rotation*: `POST /api/v1/auth/refresh` revokes the refresh token it was given, and
 * presenting a revoked one again revokes the whole session ("replay" detection). So two refreshes
 * racing with the same refresh token would sign the person out. Hence the single flight below:
 * however many requests find their access token expired at once, one refresh runs and they all
 * wait for it, then each retries once with the new token.
 */
import createClient, { type Middleware } from "openapi-fetch";
import type { components, paths } from "./schema";

export type TokenPair = { access_token: string; refresh_token: string };
export type Problem = components["schemas"]["Problem"];

export interface AuthOptions {
  baseUrl: string;
  tokens?: TokenPair | null;
  /** The fetch every request goes through (tests wrap it to count or break requests). */
  fetch?: typeof fetch;
  /** New tokens after a sign-in or refresh: persist them (Keychain, secure storage). */
  onTokens?: (tokens: TokenPair) => void;
  /** The session is over (a refresh was refused, or the server said the session ended): show sign-in. */
  onSignedOut?: () => void;
}

/** A refresh that failed for a reason other than "signed out" (offline, 5xx, 429): try again later. */
export class RefreshFailedError extends Error {
  constructor(readonly status: number | null, cause?: unknown) {
    super(status === null ? "token refresh failed: network error" : `token refresh failed: HTTP ${status}`,
      { cause });
  }
}

/** The API's requests that never carry (and never refresh) an access token. */
const UNAUTHENTICATED = new Set(["/api/v1/auth/login", "/api/v1/auth/register", "/api/v1/auth/refresh",
  "/api/v1/auth/password-reset", "/api/v1/auth/password-reset/confirm"]);

export class Auth {
  private tokens: TokenPair | null;
  private inFlight: Promise<string | null> | null = null;
  private listeners = new Set<(tokens: TokenPair | null) => void>();
  // Requests are cloned before they go out: a retry needs the body again, and fetch consumes it.
  private pending = new Map<string, Request>();
  private readonly bare;

  /** How many refresh requests this object has sent (diagnostics; the tests assert on it). */
  refreshCount = 0;

  constructor(private readonly options: AuthOptions) {
    this.tokens = options.tokens ?? null;
    // Refresh goes through a client without the middleware below: it must never refresh itself.
    this.bare = createClient<paths>({ baseUrl: options.baseUrl, fetch: options.fetch });
  }

  get accessToken(): string | null {
    return this.tokens?.access_token ?? null;
  }

  get signedIn(): boolean {
    return this.tokens !== null;
  }

  /** Store tokens from register/login (or restored from storage). */
  setTokens(tokens: TokenPair): void {
    this.tokens = tokens;
    this.options.onTokens?.(tokens);
    this.emit();
  }

  /** Called with the new tokens after every refresh, and with null on sign-out (realtime renews its socket). */
  onChange(listener: (tokens: TokenPair | null) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Forget the tokens and tell the app, once. */
  signOut(): void {
    if (this.tokens === null) return;
    this.tokens = null;
    this.emit();
    this.options.onSignedOut?.();
  }

  /**
   * Exchange the refresh token for a new pair. Concurrent callers share one request.
   * Resolves to the new access token, or null when the server refused (the person is signed out).
   * Rejects with RefreshFailedError on a transient failure (tokens kept: try again later).
   */
  refresh(): Promise<string | null> {
    this.inFlight ??= this.doRefresh().finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  private async doRefresh(): Promise<string | null> {
    const refreshToken = this.tokens?.refresh_token;
    if (!refreshToken) return null;
    this.refreshCount += 1;
    let result;
    try {
      result = await this.bare.POST("/api/v1/auth/refresh", {
        headers: { Authorization: `Bearer ${refreshToken}` },
      });
    } catch (error) {
      throw new RefreshFailedError(null, error);
    }
    const { data, response } = result;
    if (response.status === 401) {
      // Expired, revoked or replayed: nothing but a new sign-in helps.
      this.signOut();
      return null;
    }
    if (!response.ok || !data?.access_token || !data.refresh_token) {
      throw new RefreshFailedError(response.status);
    }
    // A sign-out that happened while the refresh was in the air wins.
    if (this.tokens?.refresh_token !== refreshToken) return this.accessToken;
    this.setTokens({ access_token: data.access_token, refresh_token: data.refresh_token });
    return data.access_token;
  }

  private emit(): void {
    for (const listener of this.listeners) listener(this.tokens);
  }

  /**
   * openapi-fetch middleware: adds the bearer token, and on `401 token_expired` refreshes (single
   * flight) and retries the request once. `401 token_revoked` means the session ended: sign out.
   */
  readonly middleware: Middleware = {
    onRequest: ({ request, schemaPath, id }) => {
      if (UNAUTHENTICATED.has(schemaPath) || request.headers.has("Authorization")) return undefined;
      const token = this.accessToken;
      if (token) request.headers.set("Authorization", `Bearer ${token}`);
      this.pending.set(id, request.clone());
      return request;
    },
    onResponse: async ({ response, id, options }) => {
      const original = this.pending.get(id);
      this.pending.delete(id);
      if (response.status !== 401 || !original) return undefined;
      const code = await problemCode(response);
      if (code === "token_revoked") {
        this.signOut();
        return undefined;
      }
      if (code !== "token_expired") return undefined; // e.g. fresh_token_required: a refresh won't help
      const sentWith = original.headers.get("Authorization")?.replace(/^Bearer /, "") ?? null;
      let token: string | null;
      if (sentWith !== null && this.accessToken !== null && sentWith !== this.accessToken) {
        token = this.accessToken; // someone refreshed while this request was out: no second refresh
      } else {
        try {
          token = await this.refresh();
        } catch {
          return undefined; // offline or server trouble: the caller gets the 401 and may try later
        }
      }
      if (token === null) return undefined; // signed out: the caller sees the 401
      const retry = new Request(original);
      retry.headers.set("Authorization", `Bearer ${token}`);
      return options.fetch(retry);
    },
    onError: ({ id }) => {
      this.pending.delete(id);
      return undefined;
    },
  };
}

/** The problem document's `code`, read from a clone so the caller can still read the body. */
async function problemCode(response: Response): Promise<string | undefined> {
  try {
    const body = (await response.clone().json()) as Problem;
    return body.code;
  } catch {
    return undefined;
  }
}
