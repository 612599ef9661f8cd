/** A fake API for unit tests: a handler per request, and a log of what was asked. */
export type Handler = (request: Request) => Response | Promise<Response>;

export function fakeFetch(handler: Handler) {
  const log: Array<{ method: string; path: string; auth: string | null; body: string }> = [];
  const fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = input instanceof Request ? input : new Request(input, init);
    const body = request.body ? await request.clone().text() : "";
    log.push({ method: request.method, path: new URL(request.url).pathname + new URL(request.url).search,
      auth: request.headers.get("Authorization"), body });
    return handler(request);
  };
  return { fetch: fetch as typeof globalThis.fetch, log };
}

export const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json", ...headers } });

export const problem = (status: number, code: string, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify({ status, code, title: code }),
    { status, headers: { "Content-Type": "application/problem+json", ...headers } });

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
