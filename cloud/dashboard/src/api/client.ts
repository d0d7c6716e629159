/**
 * The one way the workspace talks to the API: same-origin fetch with the session cookie, the CSRF token on
 * every state-changing request, and one typed error for every failure (the API's `{ error, message }` body,
 * or a network failure). Path parameters are typed from the endpoint's path (`:patientId` → `{ patientId }`).
 */
import type { Endpoint } from './endpoints.ts';

type ParamNames<P extends string> = P extends `${string}:${infer Name}/${infer Rest}` ? Name | ParamNames<`/${Rest}`> : P extends `${string}:${infer Name}` ? Name : never;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues: { path: string; message: string }[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

let csrfToken: string | null = null;
let onSignedOut: (() => void) | null = null;

/** The CSRF token of the current session (from sign-in or GET /v1/session), kept in memory only. */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Called when any call answers 401: the session ended (expired, revoked, signed out elsewhere). */
export function onSessionEnded(callback: (() => void) | null): void {
  onSignedOut = callback;
}

export interface CallArgs<B, Q> {
  params?: Record<string, string | number>;
  query?: Q;
  body?: B;
  signal?: AbortSignal;
}

/** The path parameters an endpoint's path names: `/v1/patients/:patientId` → `{ patientId }`. */
export type PathParams<P extends string> = [ParamNames<P>] extends [never] ? undefined : Record<ParamNames<P>, string | number>;

export function pathOf(template: string, params: Record<string, string | number> = {}, query?: object): string {
  const path = template.replace(/:([A-Za-z]+)/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`missing path parameter ${name} for ${template}`);
    return encodeURIComponent(String(value));
  });
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  const qs = search.toString();
  return qs ? `${path}?${qs}` : path;
}

export async function call<R, B, Q>(endpoint: Endpoint<R, B, Q, string>, args: CallArgs<B, Q> = {}): Promise<R> {
  const headers: Record<string, string> = { accept: endpoint.text ? 'text/csv' : 'application/json' };
  if (args.body !== undefined) headers['content-type'] = 'application/json';
  if (endpoint.method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  let response: Response;
  try {
    response = await fetch(pathOf(endpoint.path, args.params, args.query ?? undefined), {
      method: endpoint.method,
      headers,
      credentials: 'same-origin',
      body: args.body === undefined ? undefined : JSON.stringify(args.body),
      signal: args.signal,
    });
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    throw new ApiError(0, 'network', 'the server could not be reached: check the connection and try again');
  }
  if (response.status === 204) return null as R;
  const text = await response.text();
  if (!response.ok) {
    let body: { error?: string; message?: string; issues?: { path: string; message: string }[] } = {};
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON (a proxy's error page): keep the status
    }
    if (response.status === 401 && endpoint.path !== '/v1/session') onSignedOut?.();
    const issues = body.issues ?? [];
    const detail = issues.length > 0 ? `: ${issues.map((i) => `${i.path || 'body'} ${i.message}`).join('; ')}` : '';
    throw new ApiError(response.status, body.error ?? `http_${response.status}`, `${body.message ?? response.statusText}${detail}`, issues);
  }
  return (endpoint.text ? text : text ? JSON.parse(text) : null) as R;
}

/** Calls an endpoint: `api(endpoints.alert, { params: { alertId } })`; the params are checked against its path. */
export function api<R, B, Q, P extends string>(
  endpoint: Endpoint<R, B, Q, P>,
  ...args: PathParams<P> extends undefined ? [Omit<CallArgs<B, Q>, 'params'>?] : [Omit<CallArgs<B, Q>, 'params'> & { params: PathParams<P> }]
): Promise<R> {
  return call(endpoint, (args[0] ?? {}) as CallArgs<B, Q>);
}
