/**
 * Sending a message so that a retry can never make a duplicate.
 *
 * The server dedupes on (sender, `client_msg_id`): the same id again answers 200 with the message
 * first stored, not a second copy. So the id is made once, before the first attempt, and every
 * retry reuses it. A phone on a train cannot tell "the request never arrived" from "the answer was
 * lost", and with a stable id it does not need to: it just sends again.
 */
import type { Client } from "openapi-fetch";
import type { components, paths } from "./schema";

export type SentMessage = components["schemas"]["SentMessage"];

export interface SendOptions {
  /** Reuse an id (e.g. a send queued before the app was killed); otherwise one is made here. */
  clientMsgId?: string;
  /** Attempts in all, the first included. */
  maxAttempts?: number;
  /** First backoff; doubles each attempt, with jitter, up to maxDelayMs. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Per-attempt timeout: a request that hangs counts as a network error and is retried. */
  timeoutMs?: number;
}

export interface SendResult {
  message: SentMessage;
  clientMsgId: string;
  attempts: number;
  /** The server had it already (200): an earlier attempt got through and its answer was lost. */
  duplicate: boolean;
}

export class SendError extends Error {
  constructor(message: string, readonly status: number | null, readonly clientMsgId: string,
              readonly problem?: unknown, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Worth another try with the same id: 408, 429 and 5xx; anything else is the request's own fault. */
const retryable = (status: number) => status === 408 || status === 429 || status >= 500;

export async function sendMessage(api: Client<paths>, conversationId: string, body: string,
                                  options: SendOptions = {}): Promise<SendResult> {
  const clientMsgId = options.clientMsgId ?? crypto.randomUUID();
  const maxAttempts = options.maxAttempts ?? 5;
  const baseDelayMs = options.baseDelayMs ?? 500;
  const maxDelayMs = options.maxDelayMs ?? 15_000;
  for (let attempt = 1; ; attempt++) {
    let waitMs = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
    try {
      const { data, error, response } = await api.POST("/api/v1/conversations/{conversation_id}/messages", {
        params: { path: { conversation_id: conversationId } },
        body: { client_msg_id: clientMsgId, body },
        signal: AbortSignal.timeout(options.timeoutMs ?? 20_000),
      });
      if (data !== undefined) {
        return { message: data, clientMsgId, attempts: attempt, duplicate: response.status === 200 };
      }
      if (!retryable(response.status) || attempt >= maxAttempts) {
        throw new SendError(`sending failed: HTTP ${response.status}`, response.status, clientMsgId, error);
      }
      // The server says when to come back (rate limits, maintenance); never sooner than it asks.
      const retryAfter = retryAfterMs(response.headers.get("Retry-After"));
      if (retryAfter !== null) waitMs = Math.min(Math.max(retryAfter, 0), 60_000);
    } catch (error) {
      if (error instanceof SendError) throw error;
      // fetch rejected: offline, connection reset, timed out. The message may or may not be stored.
      if (attempt >= maxAttempts) {
        throw new SendError("sending failed: network error", null, clientMsgId, undefined, { cause: error });
      }
    }
    await new Promise((resolve) => setTimeout(resolve, waitMs));
  }
}

/** `Retry-After` in milliseconds: delta-seconds or an HTTP date. */
export function retryAfterMs(header: string | null): number | null {
  if (header === null || header.trim() === "") return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return seconds * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? null : date - Date.now();
}
