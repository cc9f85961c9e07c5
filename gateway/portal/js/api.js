// The portal speaks to the same /v1 API as every other client, with the same token:
// what a page may show or change is exactly what the API lets its user see or do.

const API = "/v1";
const KEY = "dealernet.session";

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
  }
  // Field name -> message, from the problem's `errors` (RFC 9457 extension the gateway sends).
  get fieldErrors() {
    const found = {};
    for (const error of this.problem.errors || []) {
      // "body.option_codes.0" names the input "option_codes".
      const name = String(error.field || "").split(".").filter((part) => !/^\d+$/.test(part)).pop();
      if (name && !(name in found)) found[name] = error.message;
    }
    return found;
  }
}

export function session() {
  try {
    return JSON.parse(sessionStorage.getItem(KEY));
  } catch {
    return null;
  }
}

function keep(reply) {
  const now = Date.now();
  const kept = {
    access_token: reply.access_token,
    refresh_token: reply.refresh_token,
    expires_at: now + reply.expires_in * 1000,
    me: session()?.me,
  };
  sessionStorage.setItem(KEY, JSON.stringify(kept));
  return kept;
}

export function forget() {
  sessionStorage.removeItem(KEY);
}

async function send(method, path, { body, query, headers, raw } = {}, token) {
  const url = new URL(API + path, location.origin);
  for (const [name, value] of Object.entries(query || {})) {
    if (value !== undefined && value !== null && value !== "") url.searchParams.set(name, value);
  }
  const sent = { method, headers: { Accept: "application/json", ...(headers || {}) } };
  if (token) sent.headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) {
    if (typeof body === "string" || body instanceof Blob) {
      sent.body = body;
    } else {
      sent.body = JSON.stringify(body);
      sent.headers["Content-Type"] = "application/json";
    }
  }
  const reply = await fetch(url, sent);
  if (raw && reply.ok) return reply;
  const text = await reply.text();
  const data = text ? JSON.parse(text) : null;
  if (!reply.ok) throw new ApiError(reply.status, data);
  return data;
}

export async function logIn(username, password) {
  const reply = await send("POST", "/auth/login", { body: { username, password } });
  keep(reply);
  const me = await send("GET", "/me", {}, reply.access_token);
  const kept = { ...session(), me };
  sessionStorage.setItem(KEY, JSON.stringify(kept));
  return kept;
}

async function refresh() {
  const current = session();
  if (!current?.refresh_token) throw new ApiError(401, { title: "Not logged in" });
  try {
    return keep(await send("POST", "/auth/refresh", { body: { refresh_token: current.refresh_token } }));
  } catch (error) {
    forget();
    throw error;
  }
}

export async function logOut() {
  const current = session();
  forget();
  if (current?.refresh_token) {
    await send("POST", "/auth/logout", { body: { refresh_token: current.refresh_token } }).catch(() => {});
  }
}

// An API call as the logged-in user; an access token about to expire is renewed first,
// and a call refused for an expired token is renewed and tried once more.
export async function api(method, path, options = {}) {
  let current = session();
  if (!current) throw new ApiError(401, { title: "Not logged in" });
  if (current.expires_at - Date.now() < 30_000) current = await refresh();
  try {
    return await send(method, path, options, current.access_token);
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 401) throw error;
    current = await refresh();
    return send(method, path, options, current.access_token);
  }
}

export async function accessToken() {
  let current = session();
  if (current && current.expires_at - Date.now() < 30_000) current = await refresh();
  return current?.access_token;
}
