// Every call to the API goes through here, with the bearer token kept in sessionStorage and
// the UI's language (for what the API translates, such as alarm titles).
import { currentLanguage } from './i18n.js';

const TOKEN_KEY = 'vigie.token';

export function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function storeToken(value) {
  sessionStorage.setItem(TOKEN_KEY, value);
}

export function forgetToken() {
  sessionStorage.removeItem(TOKEN_KEY);
}

let leaving = false;

// Ends the session in this tab: forgets the token and goes to the login page, once. Requests
// still in flight when the user logs out come back 401; a second navigation would abort the
// first one mid-way.
export function leaveSession() {
  forgetToken();
  if (leaving) return;
  leaving = true;
  window.location.assign('/login');
}

export class ApiError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

export async function api(path, { method = 'GET', body, signal } = {}) {
  const headers = { Accept: 'application/json', 'Accept-Language': currentLanguage() };
  const current = token();
  if (current) headers.Authorization = `Bearer ${current}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal,
  });
  if (response.status === 401 && current) {
    leaveSession();
    throw new ApiError(401, null);
  }
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

// An EventSource URL carrying the token (EventSource cannot send headers).
export function streamUrl(path, params = {}) {
  const query = new URLSearchParams({ ...params, token: token() || '' });
  return `${path}?${query}`;
}
