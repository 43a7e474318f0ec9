// search.js - every record the node holds, network-wide: full text and filters (kind,
// creative field, SDG, country, year). A result names its city, fields and SDGs; a best
// practice links to its city and to its partners that are member cities.

import {enc, get, query} from './api.js';
import {h, replace} from './dom.js';
import {cityLink, fieldList, sdgList} from './format.js';
import {L, t} from './i18n.js';

const SEARCH_KINDS = ['best_practice', 'event', 'project', 'report', 'city'];

export async function viewSearch(main, ctx, q) {
	const params = {
		q: q.get('q') || '', kind: q.get('kind') || '', field: q.get('field') || '',
		sdg: q.get('sdg') || '', country: q.get('country') || '', year: q.get('year') || '',
	};
	const input = (name, attrs) => h('input', {id: `s-${name}`, name, value: params[name], ...attrs});
	const select = (name, options) => h('select', {id: `s-${name}`, name},
		h('option', {value: ''}, t('search.any')),
		options.map(([v, label]) => h('option', {value: String(v), selected: String(v) === params[name]}, label)));
	const field = (name, label, control) => h('div', {class: 'field inline-field'},
		h('label', {for: `s-${name}`}, label), control);

	const form = h('form', {role: 'search', id: 'search-form', 'aria-label': t('search.title'), onsubmit: (ev) => {
		ev.preventDefault();
		const data = Object.fromEntries(new FormData(form).entries());
		ctx.navigate(`#/search${query(data)}`);
	}},
	field('q', t('search.words'), input('q', {type: 'search', autocomplete: 'off'})),
	h('div', {class: 'filters'},
		field('kind', t('search.kind'), select('kind', SEARCH_KINDS.map((k) => ctx.kind(k)).filter(Boolean)
			.map((k) => [k.name, L(k.label)]))),
		field('field', t('search.field'), select('field', ctx.creativeFields.map((c) => [c.value, L(c.label)]))),
		field('sdg', t('search.sdg'), select('sdg', ctx.sdgs.map((c) => [c.value, `${c.value} · ${L(c.label)}`]))),
		field('country', t('search.country'), input('country', {maxlength: 2, size: 3, autocapitalize: 'characters'})),
		field('year', t('search.year'), input('year', {type: 'number', min: 1900, max: 2200, step: 1}))),
	h('p', {}, h('button', {type: 'submit', class: 'primary'}, t('search.submit'))));

	const results = h('div', {id: 'search-results', 'aria-live': 'polite'});
	replace(main, h('h1', {}, t('search.title')), h('p', {class: 'hint'}, t('search.intro')), form, results);

	const any = Object.values(params).some((v) => v !== '');

	async function load() {
		if (!any) {
			replace(results);
			return;
		}
		const [data, net] = await Promise.all([
			get(`/api/search${query({...params, country: params.country.toUpperCase(), limit: 100})}`),
			ctx.members().catch(() => ({members: []}))]);
		const byName = new Map(net.members.filter((m) => m.active).map((m) => [m.name.toLowerCase(), m]));
		if (!data.results.length) {
			replace(results, h('h2', {}, t('search.results', {n: 0})), h('p', {}, t('search.none')));
			return;
		}
		replace(results, h('h2', {}, t('search.results', {n: data.total})),
			h('ol', {class: 'results'}, data.results.map(({record: r, snippet}) => {
				const kind = ctx.kind(r.kind);
				const f = r.fields || {};
				const partners = r.kind === 'best_practice' && f.partners && f.partners.length
					? h('p', {class: 'partners'}, `${t('search.partners')} `, f.partners.map((p, i) => {
						const m = byName.get(p.toLowerCase());
						return [i ? ', ' : '', m ? h('a', {href: `#/city/${m.key}`}, p) : p];
					}))
					: null;
				return h('li', {class: 'result'},
					h('h3', {}, h('a', {href: `#/record/${r.kind}/${enc(r.id)}`}, r.title || r.id)),
					h('p', {class: 'meta'}, kind ? L(kind.label) : r.kind, ' · ', cityLink(r.owner)),
					f.fields && f.fields.length ? h('p', {}, `${t('col.fields')}: `, fieldList(ctx, f.fields)) : null,
					f.sdgs && f.sdgs.length ? h('p', {}, `${t('col.sdgs')}: `, sdgList(ctx, f.sdgs)) : null,
					partners,
					snippet ? h('p', {class: 'snippet'}, snippet) : null);
			})));
	}
	await load();
	return load;
}
