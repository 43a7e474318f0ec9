// secretariat.js - the Secretariat's views on the root's node: applications waiting and
// their designation, withdrawals, monitoring reports by period (filed or missing), the
// network's health as a table and a timeline, and the registry's downloads.

import {errorText, enc, get, post, query} from './api.js';
import {h, replace, s} from './dom.js';
import {cityLink, fieldName, sessionText, when} from './format.js';
import {L, t} from './i18n.js';

function needRoot(main, ctx) {
	if (ctx.node.secretariat) return false;
	replace(main, h('h1', {}, t('sec.only.title')), h('p', {}, t('sec.only.text')));
	return true;
}

export async function viewApplications(main, ctx) {
	if (needRoot(main, ctx)) return null;
	const body = h('div', {});
	const status = h('p', {role: 'status', id: 'sec-status', class: 'flash-area'});
	replace(main, h('h1', {}, t('sec.applications')), status, body);

	async function load() {
		const [{applications}, net] = await Promise.all([get('/api/secretariat/applications'), ctx.members(true)]);
		const list = applications.length ? h('ul', {class: 'cards', id: 'applications'}, applications.map((a, i) => {
			const c = a.city || {};
			return h('li', {class: 'card application', 'data-key': a.key},
				h('h3', {}, c.name || t('city.unnamed')),
				h('dl', {class: 'fields'},
					h('dt', {}, t('col.country')), h('dd', {}, c.country || '—'),
					h('dt', {}, t('col.field')), h('dd', {}, c.field ? fieldName(ctx, c.field) : '—'),
					c.website ? [h('dt', {}, t('city.website')), h('dd', {}, c.website)] : null,
					c.focal_point ? [h('dt', {}, t('city.focal')), h('dd', {}, c.focal_point)] : null,
					c.email ? [h('dt', {}, t('city.email')), h('dd', {}, c.email)] : null,
					h('dt', {}, t('sec.held')), h('dd', {}, String(a.held)),
					h('dt', {}, t('sec.written')), h('dd', {}, a.written ? when(a.written.at) : '—')),
				a.withdrawn ? h('p', {class: 'notice'}, t('sec.reapplies')) : null,
				designateForm(ctx, a, i, async (res) => {
					ctx.dirty = false;
					status.textContent = t('sec.designated', {name: res.member.name, n: res.released});
					await load();
				}));
		})) : h('p', {}, t('sec.noapplications'));

		const active = net.members.filter((m) => m.active).sort((a, b) => a.name.localeCompare(b.name));
		const who = h('select', {id: 'w-key', required: true}, h('option', {value: ''}, t('form.choose')),
			active.map((m) => h('option', {value: m.key}, `${m.name} (${m.country}, ${fieldName(ctx, m.field)})`)));
		const reason = h('textarea', {id: 'w-reason', rows: 3, required: true, 'aria-describedby': 'w-reason-err'});
		const werr = h('p', {class: 'error', id: 'w-reason-err'});
		const withdraw = h('form', {class: 'card', id: 'withdraw-form', 'aria-labelledby': 'withdraw-title', novalidate: true,
			oninput: () => { ctx.dirty = true; },
			onsubmit: async (ev) => {
				ev.preventDefault();
				werr.textContent = '';
				try {
					const res = await post('/api/secretariat/withdraw', {key: who.value, reason: reason.value});
					ctx.dirty = false;
					status.textContent = t('sec.withdrawn', {name: res.member.name});
					await load();
				} catch (e) {
					werr.textContent = errorText(e);
				}
			}},
		h('h2', {id: 'withdraw-title'}, t('sec.withdraw')),
		h('div', {class: 'field'}, h('label', {for: 'w-key'}, t('sec.withdraw.city')), who),
		h('div', {class: 'field'}, h('label', {for: 'w-reason'}, t('sec.withdraw.reason')), reason, werr),
		h('button', {type: 'submit', class: 'danger'}, t('sec.withdraw.submit')));

		replace(body,
			h('h2', {}, t('sec.waiting', {n: applications.length})), list,
			withdraw,
			h('section', {class: 'card', 'aria-labelledby': 'reg-title'},
				h('h2', {id: 'reg-title'}, t('sec.registry')),
				h('p', {}, h('a', {class: 'button', href: '/api/secretariat/registry.csv', download: 'registry.csv', id: 'registry-csv'},
					t('sec.registry.csv'))),
				h('p', {class: 'hint'}, t('sec.registry.proofs'), ' ', h('a', {href: '#/network'}, t('nav.network')))));
	}
	await load();
	return load;
}

// Designating one applicant with the data it sent, each value editable before it is signed.
function designateForm(ctx, a, i, done) {
	const c = a.city || {};
	const id = (n) => `d${i}-${n}`;
	const err = h('p', {class: 'error', role: 'alert', id: id('err')});
	const inputs = {
		name: h('input', {id: id('name'), value: c.name || '', required: true}),
		country: h('input', {id: id('country'), value: c.country || '', maxlength: 2, size: 3, required: true}),
		field: h('select', {id: id('field'), required: true}, h('option', {value: ''}, t('form.choose')),
			ctx.creativeFields.map((f) => h('option', {value: f.value, selected: f.value === c.field}, L(f.label)))),
		year: h('input', {id: id('year'), type: 'number', min: 2004, max: 2100, value: new Date().getUTCFullYear(), required: true}),
	};
	const row = (n, label) => h('div', {class: 'field inline-field'}, h('label', {for: id(n)}, label), inputs[n]);
	// Typing marks the view as being edited: a live update then waits instead of redrawing it.
	return h('form', {class: 'designate', novalidate: true, 'aria-label': t('sec.designate.label', {name: c.name || ''}),
		oninput: () => { ctx.dirty = true; },
		onsubmit: async (ev) => {
			ev.preventDefault();
			err.textContent = '';
			try {
				const res = await post('/api/secretariat/designate', {key: a.key, name: inputs.name.value,
					country: inputs.country.value.toUpperCase(), field: inputs.field.value, year: Number(inputs.year.value)});
				await done(res);
			} catch (e) {
				err.textContent = errorText(e);
			}
		}},
	h('div', {class: 'filters'}, row('name', t('col.city')), row('country', t('col.country')),
		row('field', t('col.field')), row('year', t('col.year'))),
	err,
	h('button', {type: 'submit', class: 'primary'}, t('sec.designate', {name: c.name || ''})));
}

export async function viewReports(main, ctx, q) {
	if (needRoot(main, ctx)) return null;
	const body = h('div', {});
	replace(main, h('h1', {}, t('sec.reports')), body);
	async function load() {
		const data = await get(`/api/secretariat/reports${query({period: q.get('period') || ''})}`);
		const period = h('input', {id: 'period', value: data.period, size: 10, pattern: '\\d{4}-\\d{4}',
			'aria-describedby': 'period-hint'});
		const filed = data.cities.filter((c) => c.filed).length;
		replace(body,
			h('form', {class: 'toolbar', oninput: () => { ctx.dirty = true; }, onsubmit: (ev) => {
				ev.preventDefault();
				ctx.navigate(`#/secretariat/reports?period=${enc(period.value.trim())}`);
			}},
			h('div', {class: 'inline'}, h('label', {for: 'period'}, t('sec.period')), period),
			h('span', {class: 'hint', id: 'period-hint'}, t('form.limit.period')),
			h('button', {type: 'submit'}, t('sec.show'))),
			h('p', {id: 'report-counts'}, t('sec.reports.counts', {filed, missing: data.cities.length - filed, period: data.period})),
			h('table', {class: 'list', id: 'reports'},
				h('thead', {}, h('tr', {}, h('th', {scope: 'col'}, t('col.city')), h('th', {scope: 'col'}, t('col.field')),
					h('th', {scope: 'col'}, t('sec.report')))),
				h('tbody', {}, data.cities.map((c) => h('tr', {class: c.filed ? null : 'missing'},
					h('th', {scope: 'row'}, cityLink(c.city)),
					h('td', {}, c.city.field ? fieldName(ctx, c.city.field) : ''),
					h('td', {}, c.filed && c.report
						? h('a', {href: `#/record/report/${enc(c.report.id)}`}, `✓ ${t('sec.filed')} — ${t('sec.read')}`)
						: h('span', {class: 'bad'}, `✗ ${t('sec.missing')}`)))))));
	}
	await load();
	return load;
}

export async function viewHealth(main, ctx) {
	if (needRoot(main, ctx)) return null;
	const body = h('div', {});
	replace(main, h('h1', {}, t('sec.health')), body);
	async function load() {
		const data = await get('/api/secretariat/health');
		replace(body,
			h('table', {class: 'list', id: 'health'},
				h('caption', {}, t('sec.health.caption')),
				h('thead', {}, h('tr', {}, h('th', {scope: 'col'}, t('col.city')), h('th', {scope: 'col'}, t('sec.lastsession')),
					h('th', {scope: 'col'}, t('sec.changes')), h('th', {scope: 'col'}, t('sec.heldhere')),
					h('th', {scope: 'col'}, t('sec.failures')), h('th', {scope: 'col'}, t('sec.why')))),
				h('tbody', {}, data.cities.map((c) => {
					const last = c.last_session;
					const failed = last && last.state === 'failed';
					return h('tr', {class: !last || failed || c.held ? 'attention' : null, 'data-key': c.city.key},
						h('th', {scope: 'row'}, cityLink(c.city)),
						h('td', {class: failed ? 'bad' : null}, sessionText(last)),
						h('td', {}, last ? `${last.sent} / ${last.received}` : '—'),
						h('td', {}, String(c.held || 0)),
						h('td', {}, String(c.failures || 0)),
						h('td', {}, c.last_error || ''));
				}))),
			h('h2', {id: 'timeline-title'}, t('sec.timeline')),
			timeline(data.timeline || []),
			h('p', {}, h('a', {class: 'button', href: '/api/secretariat/registry.csv', download: 'registry.csv'}, t('sec.registry.csv'))));
	}
	await load();
	return load;
}

// The network's sessions over time: one row per city, one mark per event, with the same
// events as a list below for reading.
function timeline(events) {
	if (!events.length) return h('p', {}, t('sec.timeline.none'));
	const times = events.map((e) => new Date(e.at).getTime()).filter((x) => !Number.isNaN(x));
	const min = Math.min(...times);
	const max = Math.max(...times, min + 1);
	const cities = [...new Map(events.map((e) => [e.city && e.city.key, e.city])).values()];
	const rowH = 26;
	const labelW = 160;
	const width = 640;
	const height = cities.length * rowH + 30;
	const x = (at) => labelW + ((new Date(at).getTime() - min) / (max - min)) * (width - labelW - 20);
	const svg = s('svg', {viewBox: `0 0 ${width} ${height}`, width: '100%', role: 'img', 'aria-labelledby': 'tl-t', class: 'chart timeline'},
		s('title', {id: 'tl-t'}, t('sec.timeline')),
		cities.map((c, i) => s('g', {},
			s('text', {x: labelW - 8, y: i * rowH + rowH / 2 + 4, 'text-anchor': 'end', class: 'chart-label'},
				(c && c.name) || t('city.unknown')),
			s('line', {x1: labelW, x2: width - 10, y1: i * rowH + rowH / 2, y2: i * rowH + rowH / 2, class: 'axis'}))),
		events.map((e) => {
			const i = cities.findIndex((c) => (c && c.key) === (e.city && e.city.key));
			return s('circle', {cx: x(e.at), cy: i * rowH + rowH / 2, r: 5,
				class: e.event === 'session' ? 'dot ok' : 'dot bad'}, s('title', {}, `${when(e.at)} · ${t(`tl.${e.event}`, {}, e.event)} · ${detail(e)}`));
		}),
		s('text', {x: labelW, y: height - 8, class: 'chart-label'}, when(new Date(min).toISOString())),
		s('text', {x: width - 10, y: height - 8, 'text-anchor': 'end', class: 'chart-label'}, when(new Date(max).toISOString())));
	const sorted = [...events].sort((a, b) => String(b.at).localeCompare(String(a.at)));
	return h('div', {},
		svg,
		h('details', {}, h('summary', {}, t('sec.timeline.list')),
			h('ol', {class: 'plain', id: 'timeline'}, sorted.map((e) => h('li', {},
				h('time', {datetime: e.at}, when(e.at)), ' · ', e.city ? cityLink(e.city) : e.address, ' · ', t(`tl.${e.event}`, {}, e.event),
				` — ${detail(e)}`)))));
}

// What one session of the timeline did: who called whom, what moved, why it failed.
function detail(e) {
	const parts = [t(`session.${e.direction}`), t('session.moved', {sent: e.sent, received: e.received})];
	if (e.held) parts.push(t('session.heldhere', {n: e.held}));
	if (e.error) parts.push(e.error);
	return parts.join(' · ');
}
