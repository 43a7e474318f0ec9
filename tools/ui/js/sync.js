// sync.js - whether the node is online, each peer's last contact, what waits to be sent,
// what is held and why, and a "sync now" button.

import {errorText, get, post} from './api.js';
import {h, replace} from './dom.js';
import {cityLink, sessionText, when} from './format.js';
import {L, t} from './i18n.js';

export async function viewSync(main, ctx) {
	const body = h('div', {});
	const status = h('p', {role: 'status', id: 'sync-status', class: 'hint'});
	const button = h('button', {type: 'button', class: 'primary', id: 'sync-now', onclick: async () => {
		button.disabled = true;
		status.textContent = t('sync.dialling');
		try {
			const r = await post('/api/sync');
			status.textContent = t('sync.dialled', {n: r.dialled});
			await load();
		} catch (e) {
			status.textContent = errorText(e);
		} finally {
			button.disabled = false;
		}
	}}, t('sync.now'));
	replace(main, h('h1', {}, t('sync.title')), body, h('p', {}, button), status);

	async function load() {
		const s = await get('/api/sync');
		window.dispatchEvent(new CustomEvent('uccn-online', {detail: s.online}));
		const peers = s.peers || [];
		const held = s.held || [];
		replace(body,
			h('p', {id: 'online', class: s.online ? 'ok big' : 'warn big'},
				s.online ? `● ${t('sync.online', {n: s.sessions})}` : `○ ${t('sync.offline')}`),
			s.online ? null : h('p', {class: 'notice'}, t('banner.offline.text')),
			h('p', {}, t('sync.tosend', {n: s.to_send || '0'})),
			h('h2', {}, t('sync.peers')),
			peers.length ? h('table', {class: 'list', id: 'peers'},
				h('thead', {}, h('tr', {},
					h('th', {scope: 'col'}, t('sync.peer')), h('th', {scope: 'col'}, t('sync.address')),
					h('th', {scope: 'col'}, t('sync.connected')), h('th', {scope: 'col'}, t('sync.lastcontact')),
					h('th', {scope: 'col'}, t('sync.lastsession')),
					h('th', {scope: 'col'}, t('sync.waiting')), h('th', {scope: 'col'}, t('sync.lasterror')))),
				h('tbody', {}, peers.map((p) => h('tr', {},
					h('th', {scope: 'row'}, p.city && p.city.name ? cityLink(p.city) : t('sync.unnamed')),
					h('td', {class: 'mono'}, p.url || t('sync.incoming')),
					h('td', {class: p.connected ? 'ok' : null}, p.connected ? t('yes') : t('no')),
					h('td', {}, when(p.last_contact)),
					h('td', {}, sessionText(p.session)),
					h('td', {}, String(p.to_send ?? '')),
					h('td', {}, p.last_error || '')))))
				: h('p', {}, t('sync.nopeers')),
			h('h2', {}, t('sync.held')),
			held.length ? h('table', {class: 'list', id: 'held'},
				h('thead', {}, h('tr', {},
					h('th', {scope: 'col'}, t('sync.author')), h('th', {scope: 'col'}, t('col.kind')),
					h('th', {scope: 'col'}, t('sync.why')))),
				h('tbody', {}, held.map((c) => h('tr', {},
					h('td', {}, cityLink(c.author)),
					h('td', {}, ctx.kind(c.kind) ? L(ctx.kind(c.kind).label) : c.kind),
					h('td', {}, c.code ? t(`held.${c.code}`, {}, c.reason) : c.reason)))))
				: h('p', {}, t('sync.noheld')));
	}
	await load();
	return load;
}
