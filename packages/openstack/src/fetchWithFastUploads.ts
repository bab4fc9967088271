import { request } from 'undici';

// Statuses whose Response must have a null body.
const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304]);

/**
 * The platform's `fetch`, except that a request whose body is bytes goes through undici's
 * `request()`.
 *
 * @remarks fetch moves a request body through a web stream in small pieces; undici's
 * `request()` writes the buffer to the socket as it is. Measured on the mini-cloud's Swift (8
 * parallel PUTs of 64 MiB): fetch about 180 MiB/s, `request()` 230-280 MiB/s, curl 240 MiB/s.
 * The answers to such requests are small (Swift's 201), so they are read whole and handed back
 * as an ordinary `Response`.
 */
export async function fetchWithFastUploads(
  input: string | URL | Request,
  init: RequestInit = {},
): Promise<Response> {
  if (!(init.body instanceof Uint8Array) || input instanceof Request) return fetch(input, init);
  const headers: Record<string, string> = {};
  new Headers(init.headers).forEach((value, name) => {
    headers[name] = value;
  });
  let answer: Awaited<ReturnType<typeof request>>;
  try {
    answer = await request(input, {
      method: (init.method ?? 'PUT') as 'PUT',
      headers,
      body: init.body,
      ...(init.signal ? { signal: init.signal } : {}),
    });
  } catch (error) {
    if (init.signal?.aborted) throw init.signal.reason;
    // The shape fetch gives a network failure, which callers already describe.
    throw new TypeError('fetch failed', { cause: error });
  }
  const bytes = Buffer.from(await answer.body.arrayBuffer());
  const responseHeaders = new Headers();
  for (const [name, value] of Object.entries(answer.headers)) {
    if (value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [value]) responseHeaders.append(name, one);
  }
  return new Response(NULL_BODY_STATUS.has(answer.statusCode) ? null : bytes, {
    status: answer.statusCode,
    headers: responseHeaders,
  });
}
