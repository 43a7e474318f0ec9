// network.js - the member cities by field and country, the signed tree head and whether it
// verifies, charts of the best practices and members, and one city's page.

import {enc, get, query} from './api.js';
import {h, replace} from './dom.js';
import {barChart} from './charts.js';
import {fieldName, when} from './format.js';
import {L, t} from './i18n.js';

const REGIONS = ['africa', 'arab_states', 'asia_pacific', 'europe_north_america', 'latin_america_caribbean'];

export async function viewNetwork(main, ctx) {
	const body = h('div', {});
	replace(main, h('h1', {}, t('network.title')), body);
	let filter = {field: '', country: ''};

	async function load() {
		const net = await ctx.members(true);
		const head = net.tree_head;
		const v = net.verification || {ok: false, faults: []};
		const verify = h('section', {'aria-labelledby': 'th-title', class: 'card'},
			h('h2', {id: 'th-title'}, t('network.treehead')),
			head ? h('dl', {class: 'fields'},
				h('dt', {}, t('network.size')), h('dd', {id: 'tree-size'}, String(head.size)),
				h('dt', {}, t('network.root')), h('dd', {class: 'mono wrap'}, head.root),
				h('dt', {}, t('network.signed')), h('dd', {}, when(head.at)))
				: h('p', {}, t('network.notreehead')),
			h('p', {id: 'verification', class: v.ok ? 'ok' : 'bad'},
				v.ok ? `✓ ${t('network.verified')}` : `✗ ${t('network.unverified')}`),
			v.faults && v.faults.length ? h('ul', {class: 'error'}, v.faults.map((f) => h('li', {}, f.message))) : null,
			v.checkpoint ? h('details', {}, h('summary', {}, t('network.checkpoint')), h('pre', {class: 'mono'}, v.checkpoint)) : null);

		const st = net.stats || {};
		const bySdg = ctx.sdgs.map((c) => [`${c.value} · ${L(c.label)}`, Number((st.best_practices_by_sdg || {})[c.value] || 0)]);
		const byField = ctx.creativeFields.map((c) => [L(c.label), Number((st.best_practices_by_field || {})[c.value] || 0)]);
		const counts = net.counts || {};
		const memField = ctx.creativeFields.map((c) => [L(c.label), Number((counts.by_field || {})[c.value] || 0)]);
		const memRegion = REGIONS.map((r) => [t(`region.${r}`), Number((counts.by_region || {})[r] || 0)]);
		const charts = h('section', {'aria-labelledby': 'charts-title'},
			h('h2', {id: 'charts-title'}, t('network.charts')),
			h('div', {class: 'charts'},
				barChart(t('chart.bp.sdg'), bySdg),
				barChart(t('chart.bp.field'), byField),
				barChart(t('chart.members.field'), memField),
				barChart(t('chart.members.region'), memRegion)));

		const countries = [...new Set(net.members.map((m) => m.country))].sort();
		const fieldSel = h('select', {id: 'm-field', onchange: () => { filter.field = fieldSel.value; drawTable(); }},
			h('option', {value: ''}, t('search.any')),
			ctx.creativeFields.map((c) => h('option', {value: c.value, selected: c.value === filter.field}, L(c.label))));
		const countrySel = h('select', {id: 'm-country', onchange: () => { filter.country = countrySel.value; drawTable(); }},
			h('option', {value: ''}, t('search.any')),
			countries.map((c) => h('option', {value: c, selected: c === filter.country}, c)));
		const table = h('div', {});
		function drawTable() {
			const rows = net.members.filter((m) => (!filter.field || m.field === filter.field)
				&& (!filter.country || m.country === filter.country))
				.sort((a, b) => a.field.localeCompare(b.field) || a.country.localeCompare(b.country)
					|| a.name.localeCompare(b.name));
			replace(table, h('table', {class: 'list', id: 'members'},
				h('caption', {}, t('network.members.caption', {n: rows.length})),
				h('thead', {}, h('tr', {},
					h('th', {scope: 'col'}, t('col.city')), h('th', {scope: 'col'}, t('col.country')),
					h('th', {scope: 'col'}, t('col.field')), h('th', {scope: 'col'}, t('col.year')),
					h('th', {scope: 'col'}, t('col.status')), h('th', {scope: 'col'}, t('col.proof')))),
				h('tbody', {}, rows.map((m) => h('tr', {class: m.active ? null : 'deleted'},
					h('th', {scope: 'row'}, h('a', {href: `#/city/${m.key}`}, m.name)),
					h('td', {}, m.country),
					h('td', {}, fieldName(ctx, m.field)),
					h('td', {}, String(m.year)),
					h('td', {}, m.active ? t('member.active') : `${t('member.withdrawn')}${m.reason ? ` — ${m.reason}` : ''}`),
					h('td', {}, h('a', {href: `/api/cities/${m.key}/proof`, download: `${m.name}.proof`},
						t('network.proof', {name: m.name}))))))));
		}
		drawTable();
		const members = h('section', {'aria-labelledby': 'members-title'},
			h('h2', {id: 'members-title'}, t('network.members')),
			h('div', {class: 'toolbar'},
				h('div', {class: 'inline'}, h('label', {for: 'm-field'}, t('col.field')), fieldSel),
				h('div', {class: 'inline'}, h('label', {for: 'm-country'}, t('col.country')), countrySel)),
			table);
		replace(body, verify, members, charts);
	}
	await load();
	return load;
}

export async function viewCity(main, ctx, key) {
	const body = h('div', {});
	const title = h('h1', {}, '…');
	replace(main, title, body);
	async function load() {
		const [{city, records}, bps] = await Promise.all([get(`/api/cities/${key}`),
			get(`/api/records${query({kind: 'best_practice', owner: key, limit: 1000})}`)]);
		const c = city.fields || city;
		title.textContent = c.name || t('city.unknown');
		const rows = [
			[t('col.country'), c.country],
			[t('col.field'), c.field ? fieldName(ctx, c.field) : ''],
			[t('col.year'), city.year ? String(city.year) : ''],
			[t('col.status'), city.active === undefined ? '' : (city.active ? t('member.active') : t('member.withdrawn'))],
			[t('city.website'), c.website && /^https?:\/\//.test(c.website)
				? h('a', {href: c.website, rel: 'noopener noreferrer'}, c.website) : ''],
			[t('city.focal'), c.focal_point || ''],
		].filter(([, v]) => v);
		replace(body,
			h('dl', {class: 'fields'}, rows.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])),
			c.description ? h('p', {class: 'text'}, c.description) : null,
			h('h2', {}, t('city.records')),
			h('ul', {}, Object.entries(records || {}).map(([k, n]) =>
				h('li', {}, `${ctx.kind(k) ? L(ctx.kind(k).label) : k}: ${n}`))),
			h('h2', {}, t('city.bp')),
			bps.records.length ? h('ul', {}, bps.records.map((r) => h('li', {},
				h('a', {href: `#/record/${r.kind}/${enc(r.id)}`}, r.title || r.id)))) : h('p', {}, t('city.nobp')),
			city.active !== undefined ? h('p', {}, h('a', {class: 'button', href: `/api/cities/${key}/proof`,
				download: `${c.name || 'city'}.proof`}, t('network.proof', {name: c.name || ''}))) : null);
	}
	await load();
	return load;
}
