// api.js - the page's only way to the node: JSON over the node's own origin (proto/API.md),
// the session's CSRF token on every state-changing request, the chosen language on each.

import {lang, t} from './i18n.js';

let csrf = '';

export function setCsrf(token) {
	csrf = token || '';
}

// A refusal from the node: status, code (API.md §2), the node's message in the page's
// language, the field it is about, and every refusal when a put was refused on several.
export class ApiError extends Error {
	constructor(status, body) {
		const e = (body && body.error) || {};
		super(e.message || `HTTP ${status}`);
		this.status = status;
		this.code = e.code || (status === 0 ? 'offline' : 'internal');
		this.field = e.field || null;
		this.errors = (body && body.errors) || (e.field ? [e] : []);
	}
}

function withLang(path) {
	const sep = path.includes('?') ? '&' : '?';
	return `${path}${sep}lang=${lang()}`;
}

export async function request(method, path, body) {
	const headers = {Accept: 'application/json'};
	if (method !== 'GET') headers['X-CSRF-Token'] = csrf;
	if (body !== undefined) headers['Content-Type'] = 'application/json';
	let res;
	try {
		res = await fetch(withLang(path), {
			method,
			headers,
			body: body === undefined ? undefined : JSON.stringify(body),
			credentials: 'same-origin',
			cache: 'no-store',
		});
	} catch {
		// The node itself is unreachable (stopped, or the page outlived it).
		throw new ApiError(0, null);
	}
	let data = null;
	const type = res.headers.get('Content-Type') || '';
	if (type.startsWith('application/json')) data = await res.json();
	if (!res.ok) throw new ApiError(res.status, data);
	return data;
}

export const get = (path) => request('GET', path);
export const post = (path, body) => request('POST', path, body === undefined ? {} : body);
export const put = (path, body) => request('PUT', path, body);
export const del = (path) => request('DELETE', path);

// Query string from an object, skipping empty values.
export function query(params) {
	const q = new URLSearchParams();
	for (const [k, v] of Object.entries(params)) {
		if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
	}
	const s = q.toString();
	return s ? `?${s}` : '';
}

export const enc = encodeURIComponent;

// Codes whose meaning is the whole message: the page says them in its own words.
const GENERIC = new Set(['offline', 'unauthorized', 'csrf', 'not_found', 'method', 'too_large',
	'media_type', 'host', 'rate_limited', 'busy']);

// A refusal in the page's language: for a refusal about the record (schema, invalid,
// conflict, forbidden, ...) the node's own message, which it words in the language asked;
// for the generic codes, the page's sentence for the code.
export function errorText(e) {
	if (e instanceof ApiError) {
		if (GENERIC.has(e.code)) return t(`error.${e.code}`);
		if (e.message && !e.message.startsWith('HTTP ')) return e.message;
		return t(`error.${e.code}`);
	}
	return String(e && e.message ? e.message : e);
}
