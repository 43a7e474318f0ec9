// main.js - starts the page: the session (or the login form), the node and its record kinds,
// the menu, the router over location.hash, the live stream of changes and the banners that
// say whether the node is online.

import {ApiError, errorText, get, post, setCsrf} from './api.js';
import {h, replace} from './dom.js';
import {applyStatic, lang, setLang, t} from './i18n.js';
import {viewRecords, viewRecord, viewForm} from './records.js';
import {viewSearch} from './search.js';
import {viewNetwork, viewCity} from './network.js';
import {viewEvents} from './events.js';
import {viewSync} from './sync.js';
import {viewApplications, viewReports, viewHealth} from './secretariat.js';

const main = document.getElementById('main');

// What every view may use: the node, the kinds, the members (loaded once, on demand).
const ctx = {
	node: null,
	kinds: [],
	sdgs: [],
	creativeFields: [],
	membersPromise: null,
	kind(name) {
		return this.kinds.find((k) => k.name === name) || null;
	},
	members(fresh) {
		if (fresh || !this.membersPromise) {
			this.membersPromise = get('/api/network').catch((e) => {
				this.membersPromise = null;
				throw e;
			});
		}
		return this.membersPromise;
	},
	navigate(hash) {
		if (location.hash === hash) route();
		else location.hash = hash;
	},
	// Whether the view has edits not yet saved: live updates then wait rather than redraw.
	dirty: false,
};

// The routes: pattern over the hash's path, the view, and the menu entry it belongs to.
const routes = [
	[/^records(?:\/([a-z_]+))?$/, (m, q) => viewRecords(main, ctx, m[1] || '', q), 'records'],
	[/^record\/([a-z_]+)\/([^/]+)$/, (m) => viewRecord(main, ctx, m[1], decodeURIComponent(m[2])), 'records'],
	[/^new\/([a-z_]+)$/, (m) => viewForm(main, ctx, m[1], null), 'records'],
	[/^edit\/([a-z_]+)\/([^/]+)$/, (m) => viewForm(main, ctx, m[1], decodeURIComponent(m[2])), 'records'],
	[/^search$/, (m, q) => viewSearch(main, ctx, q), 'search'],
	[/^network$/, () => viewNetwork(main, ctx), 'network'],
	[/^city\/([0-9a-f]{64})$/, (m) => viewCity(main, ctx, m[1]), 'network'],
	[/^events$/, (m, q) => viewEvents(main, ctx, q), 'events'],
	[/^sync$/, () => viewSync(main, ctx), 'sync'],
	[/^secretariat\/applications$/, () => viewApplications(main, ctx), 'applications'],
	[/^secretariat\/reports$/, (m, q) => viewReports(main, ctx, q), 'reports'],
	[/^secretariat\/health$/, () => viewHealth(main, ctx), 'health'],
];

function menu() {
	const items = [
		['records', '#/records', ctx.node && ctx.node.secretariat ? 'nav.records.all' : 'nav.records'],
		['search', '#/search', 'nav.search'],
		['network', '#/network', 'nav.network'],
		['events', '#/events', 'nav.events'],
		['sync', '#/sync', 'nav.sync'],
	];
	if (ctx.node && ctx.node.secretariat) {
		items.push(['applications', '#/secretariat/applications', 'nav.applications']);
		items.push(['reports', '#/secretariat/reports', 'nav.reports']);
		items.push(['health', '#/secretariat/health', 'nav.health']);
	}
	return items;
}

function drawNav(current) {
	const nav = document.getElementById('nav');
	if (!ctx.node) {
		nav.replaceChildren();
		return;
	}
	replace(nav, h('ul', {}, menu().map(([name, href, key]) =>
		h('li', {}, h('a', {href, 'aria-current': name === current ? 'page' : null}, t(key))))));
}

// The view in place, so a live update or a change of language can draw it again.
let current = {refresh: null, menu: ''};
let routeSerial = 0;

async function route() {
	const serial = ++routeSerial;
	if (!ctx.node) return;
	const raw = location.hash.replace(/^#\/?/, '');
	const [path, qs] = raw.split('?');
	const q = new URLSearchParams(qs || '');
	let found = null;
	for (const [re, view, entry] of routes) {
		const m = re.exec(path || 'records');
		if (m) {
			found = [m, view, entry];
			break;
		}
	}
	ctx.dirty = false;
	if (!found) {
		drawNav('');
		replace(main, h('h1', {tabindex: '-1'}, t('notfound.title')), h('p', {}, t('notfound.text')));
		return;
	}
	const [m, view, entry] = found;
	drawNav(entry);
	current = {refresh: null, menu: entry};
	try {
		const refresh = await view(m, q);
		if (serial !== routeSerial) return;
		current.refresh = typeof refresh === 'function' ? refresh : null;
	} catch (e) {
		if (serial !== routeSerial) return;
		showError(e);
	}
	const h1 = main.querySelector('h1');
	if (h1) {
		document.title = `${h1.textContent} · uccn`;
		if (!main.contains(document.activeElement) || document.activeElement === main) {
			h1.setAttribute('tabindex', '-1');
			if (navigated) h1.focus({preventScroll: false});
		}
	}
	navigated = false;
}

let navigated = false;

// An error that stopped a view from drawing: said in the page's words.
export function showError(e) {
	if (e instanceof ApiError && e.code === 'unauthorized') {
		ctx.node = null;
		drawLogin();
		return;
	}
	replace(main, h('h1', {tabindex: '-1'}, t('error.title')),
		h('p', {class: 'error', role: 'alert'}, errorText(e)));
}

// The login form: a user's name and password, and how to get a one-time link instead.
function drawLogin(failed) {
	drawNav('');
	document.getElementById('logout').hidden = true;
	document.getElementById('node-name').textContent = 'uccn';
	const user = h('input', {id: 'login-user', name: 'user', autocomplete: 'username', required: true});
	const pass = h('input', {id: 'login-pass', name: 'password', type: 'password',
		autocomplete: 'current-password', required: true});
	const msg = h('p', {class: 'error', role: 'alert', id: 'login-error'});
	if (failed) msg.textContent = t('login.failed');
	const form = h('form', {class: 'card narrow', 'aria-labelledby': 'login-title',
		onsubmit: async (ev) => {
			ev.preventDefault();
			msg.textContent = '';
			try {
				await post('/api/login', {user: user.value, password: pass.value});
				await start();
			} catch (e) {
				msg.textContent = e instanceof ApiError && e.code === 'unauthorized' ? t('login.wrong') : errorText(e);
			}
		}},
	h('h1', {id: 'login-title', tabindex: '-1'}, t('login.title')),
	h('p', {}, t('login.intro')),
	h('p', {class: 'hint'}, t('login.url'), ' ', h('code', {}, 'uccn ui --url')),
	h('div', {class: 'field'}, h('label', {for: 'login-user'}, t('login.user')), user),
	h('div', {class: 'field'}, h('label', {for: 'login-pass'}, t('login.password')), pass),
	msg,
	h('p', {}, h('button', {type: 'submit', class: 'primary'}, t('login.submit'))));
	replace(main, form);
	document.title = `${t('login.title')} · uccn`;
}

// Banners: the node offline (edits are safe), the page unable to reach the node.
const banner = {online: true, reachable: true, held: 0};

export function drawBanners() {
	const box = document.getElementById('banners');
	const items = [];
	if (!banner.reachable) {
		items.push(h('p', {class: 'banner warn', id: 'banner-unreachable'}, t('banner.unreachable')));
	} else if (!banner.online && ctx.node) {
		items.push(h('p', {class: 'banner info', id: 'banner-offline'},
			h('strong', {}, t('banner.offline.title')), ' ', t('banner.offline.text')));
	}
	replace(box, items);
}

export function setOnline(online) {
	banner.online = online;
	drawBanners();
}

// Server-sent events from the node: changes applied, sessions begun or ended.
let live = null;
let liveTimer = null;

function connectLive() {
	if (live) live.close();
	live = new EventSource('/api/live');
	live.addEventListener('open', () => {
		if (!banner.reachable) {
			banner.reachable = true;
			drawBanners();
		}
	});
	live.addEventListener('changes', () => {
		// Several batches in a row redraw once.
		clearTimeout(liveTimer);
		liveTimer = setTimeout(liveRefresh, 150);
	});
	live.addEventListener('sync', (ev) => {
		try {
			setOnline(Boolean(JSON.parse(ev.data).online));
		} catch {
			// A malformed event is ignored; the next one says the state again.
		}
		if (current.menu === 'sync') liveRefresh();
	});
	live.addEventListener('error', () => {
		if (live.readyState === EventSource.CLOSED) {
			// The session ended (or the node refused the stream): check it once, after a while.
			setTimeout(checkSession, 3000);
		}
		banner.reachable = false;
		drawBanners();
	});
}

async function checkSession() {
	try {
		const s = await get('/api/session');
		banner.reachable = true;
		if (!s.authenticated) {
			ctx.node = null;
			drawLogin();
			return;
		}
		connectLive();
	} catch {
		setTimeout(checkSession, 5000);
	}
	drawBanners();
}

async function liveRefresh() {
	const note = document.getElementById('live-note');
	if (ctx.dirty) {
		// A form being edited is never redrawn under the person's hands.
		if (note) note.textContent = t('live.waiting');
		return;
	}
	ctx.membersPromise = null;
	if (current.refresh) {
		try {
			await current.refresh();
		} catch (e) {
			showError(e);
		}
	}
}

// The node's city by name; the Secretariat's node says so when its name does not.
function drawNodeName() {
	const n = ctx.node;
	let name = n.name || t('city.unknown');
	if (n.secretariat && !/secr[eé]tariat/i.test(name)) name = `${name} · ${t('node.secretariat')}`;
	document.getElementById('node-name').textContent = name;
}

async function start() {
	const session = await get('/api/session');
	if (!session.authenticated) {
		drawLogin(new URLSearchParams(location.search).get('login') === 'failed');
		return;
	}
	setCsrf(session.csrf);
	const [node, kinds, sync] = await Promise.all([get('/api/node'), get('/api/kinds'),
		get('/api/sync').catch(() => null)]);
	ctx.node = node;
	ctx.kinds = kinds.kinds;
	ctx.sdgs = kinds.sdgs;
	ctx.creativeFields = kinds.creative_fields;
	drawNodeName();
	document.getElementById('logout').hidden = false;
	if (sync) banner.online = sync.online;
	drawBanners();
	connectLive();
	if (new URLSearchParams(location.search).has('login')) {
		history.replaceState(null, '', `/${location.hash}`);
	}
	await route();
}

function setupChrome() {
	const select = document.getElementById('lang');
	select.value = lang();
	select.addEventListener('change', () => {
		setLang(select.value);
		applyStatic();
		if (ctx.node) {
			drawNodeName();
			drawBanners();
			route();
		} else {
			drawLogin();
		}
	});
	document.getElementById('skip').addEventListener('click', (ev) => {
		// The hash holds the route: the skip link moves focus instead of changing it.
		ev.preventDefault();
		main.focus();
	});
	document.getElementById('logout').addEventListener('click', async () => {
		try {
			await post('/api/logout');
		} catch {
			// Logged out or not, the page forgets the session.
		}
		if (live) live.close();
		ctx.node = null;
		drawLogin();
	});
	window.addEventListener('uccn-online', (ev) => setOnline(Boolean(ev.detail)));
	window.addEventListener('hashchange', () => {
		if (!location.hash.startsWith('#/') && location.hash !== '') return;
		navigated = true;
		route();
	});
	applyStatic();
}

setupChrome();
start().catch((e) => {
	banner.reachable = !(e instanceof ApiError && e.code === 'offline');
	drawBanners();
	showError(e);
});
