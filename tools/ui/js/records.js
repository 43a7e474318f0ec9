// records.js - a city's records by kind, one record with its history, and the form made
// from a record kind's spec (GET /api/kinds) that creates or edits one, each refusal of the
// node shown next to its field.

import {ApiError, del, enc, errorText, get, post, put, query} from './api.js';
import {h, replace, uid} from './dom.js';
import {cityLink, fieldList, sdgList, value, when} from './format.js';
import {L, t} from './i18n.js';

// Kinds a person reads and writes from the page, in this order; the others (designations,
// tree heads, ...) are the registry's, shown on the network page.
const PAGE_KINDS = ['best_practice', 'event', 'project', 'report', 'city'];

// A message to show once on the next view (after a save, a delete).
let flash = '';

function flashBox() {
	const box = h('p', {class: 'flash', role: 'status', id: 'flash'}, flash);
	const had = flash !== '';
	flash = '';
	return had ? box : null;
}

export async function viewRecords(main, ctx, kindName, q) {
	const kinds = PAGE_KINDS.map((n) => ctx.kind(n)).filter(Boolean);
	const kind = ctx.kind(kindName) || kinds[0];
	const whose = q.get('whose') || (ctx.node.secretariat ? 'all' : 'mine');
	const deleted = q.get('deleted') === '1';
	const link = (k, w, d) => `#/records/${k}?whose=${w}${d ? '&deleted=1' : ''}`;

	const list = h('div', {id: 'record-list'});
	// A city has one city record, whose id is its key: the page offers to edit it, not a new one.
	const newButton = () => {
		if (!kind.editable) return null;
		if (kind.name === 'city') {
			return h('a', {class: 'button primary', href: `#/edit/city/${ctx.node.key}`, id: 'edit-city'}, t('records.editcity'));
		}
		return h('a', {class: 'button primary', href: `#/new/${kind.name}`, id: 'new-record'}, t('records.new', {kind: L(kind.label)}));
	};
	const tabs = h('nav', {'aria-label': t('records.kinds')}, h('ul', {class: 'tabs'}, kinds.map((k) =>
		h('li', {}, h('a', {href: link(k.name, whose, deleted),
			'aria-current': k.name === kind.name ? 'page' : null}, L(k.label))))));
	const whoseSel = h('select', {id: 'whose', onchange: () => ctx.navigate(link(kind.name, whoseSel.value, deleted))},
		h('option', {value: 'mine', selected: whose === 'mine'}, t('records.mine')),
		h('option', {value: 'all', selected: whose === 'all'}, t('records.all')));
	const delBox = h('input', {type: 'checkbox', id: 'show-deleted', checked: deleted,
		onchange: () => ctx.navigate(link(kind.name, whose, delBox.checked))});

	replace(main,
		h('h1', {}, whose === 'mine' ? t('records.title.mine') : t('records.title.all')),
		flashBox(),
		tabs,
		h('div', {class: 'toolbar'},
			h('div', {class: 'inline'}, h('label', {for: 'whose'}, t('records.whose')), whoseSel),
			h('div', {class: 'inline'}, delBox, h('label', {for: 'show-deleted'}, t('records.deleted'))),
			newButton()),
		h('p', {id: 'live-note', class: 'hint', 'aria-live': 'polite'}),
		list);

	async function load() {
		const data = await get(`/api/records${query({kind: kind.name, owner: whose === 'mine' ? 'mine' : '',
			deleted: deleted ? 1 : '', limit: 1000})}`);
		if (!data.records.length) {
			replace(list, h('p', {}, t('records.none', {kind: L(kind.label)})));
			return;
		}
		replace(list, h('table', {class: 'list'},
			h('caption', {}, t('records.caption', {kind: L(kind.label), n: data.total})),
			h('thead', {}, h('tr', {},
				h('th', {scope: 'col'}, t('col.title')),
				whose === 'all' ? h('th', {scope: 'col'}, t('col.city')) : null,
				h('th', {scope: 'col'}, t('col.fields')),
				h('th', {scope: 'col'}, t('col.sdgs')),
				h('th', {scope: 'col'}, t('col.updated')))),
			h('tbody', {}, data.records.map((r) => h('tr', {class: r.deleted ? 'deleted' : null},
				h('td', {}, h('a', {href: `#/record/${r.kind}/${enc(r.id)}`}, r.title || r.id),
					r.deleted ? h('span', {class: 'badge'}, t('record.deleted')) : null),
				whose === 'all' ? h('td', {}, cityLink(r.owner)) : null,
				h('td', {}, fieldList(ctx, r.fields.fields || (r.fields.field ? [r.fields.field] : []))),
				h('td', {}, sdgList(ctx, r.fields.sdgs)),
				h('td', {}, when(r.updated && r.updated.at)))))));
	}
	await load();
	return load;
}

export async function viewRecord(main, ctx, kindName, id) {
	const kind = ctx.kind(kindName);
	if (!kind) throw new ApiError(404, {error: {code: 'not_found', message: t('error.not_found')}});
	const path = `/api/records/${kindName}/${enc(id)}`;
	const body = h('div', {});
	const msg = h('p', {class: 'error', role: 'alert', id: 'record-error'});
	// The view keeps its own elements: a load that ends after the person moved on changes
	// nothing they see.
	const title = h('h1', {}, '…');
	replace(main, title, flashBox(), msg, body);

	async function load() {
		const [{record}, {changes}, net] = await Promise.all([get(path), get(`${path}/history`),
			ctx.members().catch(() => ({members: []}))]);
		const byName = new Map(net.members.filter((m) => m.active).map((m) => [m.name.toLowerCase(), m]));
		title.textContent = record.title || record.id;
		const dl = h('dl', {class: 'fields'});
		for (const spec of kind.fields) {
			const v = record.fields[spec.name];
			if (v === undefined) continue;
			// Partners are names as typed; those that name a member city link to it.
			const shown = spec.name === 'partners' && Array.isArray(v)
				? h('ul', {class: 'plain'}, v.map((p) => {
					const m = byName.get(p.toLowerCase());
					return h('li', {}, m ? h('a', {href: `#/city/${m.key}`}, p) : p);
				}))
				: value(ctx, spec, v, record.cities);
			dl.append(h('dt', {}, L(spec.label)), h('dd', {'data-field': spec.name}, shown));
		}
		const actions = h('div', {class: 'actions'});
		if (record.may_edit && !record.deleted) {
			actions.append(h('a', {class: 'button primary', href: `#/edit/${kindName}/${enc(id)}`, id: 'edit-record'},
				t('record.edit')));
			actions.append(h('button', {type: 'button', id: 'delete-record', onclick: () => confirmDelete(actions)},
				t('record.delete')));
		}
		if (record.may_edit && record.deleted) {
			actions.append(h('button', {type: 'button', id: 'undelete-record', onclick: async () => {
				try {
					await post(`${path}/undelete`);
					flash = t('record.undeleted');
					await load();
					replace(msg);
					const f = flashBox();
					if (f) body.prepend(f);
				} catch (e) {
					msg.textContent = errorText(e);
				}
			}}, t('record.undelete')));
		}
		replace(body,
			h('p', {class: 'meta'},
				h('span', {}, L(kind.label)), ' · ',
				t('record.by'), ' ', cityLink(record.owner), ' · ',
				t('record.updated', {when: when(record.updated && record.updated.at)}),
				record.deleted ? h('span', {class: 'badge'}, t('record.deleted')) : null),
			record.deleted ? h('p', {class: 'notice'}, t('record.deleted.text')) : dl,
			actions,
			history(ctx, kind, changes, record.cities));
	}

	function confirmDelete(actions) {
		const yes = h('button', {type: 'button', class: 'danger', id: 'confirm-delete', onclick: async () => {
			try {
				await del(path);
				flash = t('record.deleted.flash');
				await load();
				const f = flashBox();
				if (f) body.prepend(f);
			} catch (e) {
				msg.textContent = errorText(e);
			}
		}}, t('record.delete.yes'));
		const no = h('button', {type: 'button', onclick: () => load()}, t('cancel'));
		replace(actions, h('p', {role: 'alert'}, t('record.delete.ask')), yes, ' ', no);
		yes.focus();
	}

	await load();
	return load;
}

// Every change of a record: when, which city (by name), what it wrote, the signature checked.
function history(ctx, kind, changes, cities) {
	return h('section', {'aria-labelledby': 'history-title', id: 'history'},
		h('h2', {id: 'history-title'}, t('history.title')),
		h('table', {class: 'list'},
			h('caption', {class: 'visually-hidden'}, t('history.caption')),
			h('thead', {}, h('tr', {},
				h('th', {scope: 'col'}, t('history.when')),
				h('th', {scope: 'col'}, t('history.who')),
				h('th', {scope: 'col'}, t('history.what')),
				h('th', {scope: 'col'}, t('history.signature')))),
			h('tbody', {}, changes.map((c) => h('tr', {},
				h('td', {}, h('time', {datetime: c.at}, when(c.at))),
				h('td', {class: 'author'}, cityLink(c.author)),
				h('td', {}, c.op === 'delete' ? t('history.deleted') : h('dl', {class: 'changed'},
					Object.entries(c.fields || {}).map(([name, v]) => {
						const spec = kind.fields.find((f) => f.name === name);
						return [h('dt', {}, spec ? L(spec.label) : name), h('dd', {}, value(ctx, spec, v, cities))];
					}))),
				h('td', {class: c.verified ? 'ok' : 'bad'},
					c.verified ? `✓ ${t('history.verified')}` : `✗ ${t('history.unverified')}`))))));
}

// ---- the form ----

// A list with nothing chosen is no value: the field is left out (or removed by an edit).
const listOrNone = (list) => (list.length ? list : undefined);

// One control per field spec; read() gives the value to send (undefined: empty).
function control(ctx, spec, current, record, members) {
	const id = `field-${spec.name}`;
	const hintId = uid('hint');
	const errId = `error-${spec.name}`;
	const describedby = `${hintId} ${errId}`;
	const label = L(spec.label);
	const help = L(spec.help);
	const limits = [];
	if (spec.required) limits.push(t('form.required'));
	if (spec.max_length && spec.type === 'text') limits.push(t('form.limit.bytes', {n: spec.max_length}));
	if (spec.max_items && spec.type === 'texts') limits.push(t('form.limit.items', {n: spec.max_items}));
	if (spec.type === 'int' && spec.min !== undefined) limits.push(t('form.limit.range', {min: spec.min, max: spec.max}));
	if (spec.type === 'period') limits.push(t('form.limit.period'));
	if (spec.type === 'country') limits.push(t('form.limit.country'));
	if (spec.type === 'texts') limits.push(t('form.limit.lines'));
	const hint = h('p', {class: 'hint', id: hintId}, help, limits.length ? ` (${limits.join(t('list.sep'))})` : '');
	const err = h('p', {class: 'error field-error', id: errId});
	const box = h('div', {class: 'field', id: `f-${spec.name}`, 'data-field': spec.name});
	const common = {id, name: spec.name, 'aria-describedby': describedby, required: spec.required || null};
	let read;
	let input;
	let group = null;

	const checkboxes = (options, checked, cls) => {
		group = h('fieldset', {class: `choices ${cls || ''}`, id, 'aria-describedby': describedby},
			h('legend', {}, label, spec.required ? h('span', {class: 'req', 'aria-hidden': 'true'}, ' *') : null),
			h('ul', {class: 'checks'}, options.map((o, i) => {
				const cid = `${id}-${i}`;
				return h('li', {}, h('input', {type: 'checkbox', id: cid, name: spec.name, value: String(o.value),
					checked: checked.some((c) => String(c) === String(o.value))}), h('label', {for: cid}, o.label));
			})));
		return group;
	};

	switch (spec.type) {
	case 'sdgs': {
		const opts = (spec.choices || ctx.sdgs).map((c) => ({value: c.value, label: `${c.value} · ${L(c.label)}`}));
		checkboxes(opts, current || [], 'sdgs');
		read = () => listOrNone([...group.querySelectorAll('input:checked')].map((c) => Number(c.value)));
		break;
	}
	case 'fields': {
		const opts = (spec.choices || ctx.creativeFields).map((c) => ({value: c.value, label: L(c.label)}));
		checkboxes(opts, current || []);
		read = () => listOrNone([...group.querySelectorAll('input:checked')].map((c) => c.value));
		break;
	}
	case 'keys': {
		// Partner cities by name: the members of the network other than this city, and any
		// city the record already names.
		const seen = new Set();
		const opts = [];
		for (const m of members) {
			if (m.key === ctx.node.key || !m.active || seen.has(m.key)) continue;
			seen.add(m.key);
			opts.push({value: m.key, label: `${m.name} (${m.country})`});
		}
		for (const k of current || []) {
			if (seen.has(k)) continue;
			const c = (record && record.cities && record.cities[k]) || {};
			opts.push({value: k, label: c.name ? `${c.name}${c.country ? ` (${c.country})` : ''}` : t('city.unknown')});
		}
		opts.sort((a, b) => a.label.localeCompare(b.label));
		checkboxes(opts, current || []);
		read = () => listOrNone([...group.querySelectorAll('input:checked')].map((c) => c.value));
		break;
	}
	case 'choice':
	case 'field': {
		const choices = spec.type === 'field' ? (spec.choices || ctx.creativeFields) : spec.choices || [];
		input = h('select', common, h('option', {value: ''}, spec.required ? t('form.choose') : t('form.none')),
			choices.map((c) => h('option', {value: String(c.value), selected: String(c.value) === String(current)}, L(c.label))));
		read = () => input.value || undefined;
		break;
	}
	case 'texts':
		input = h('textarea', {...common, rows: 4, value: (current || []).join('\n')});
		read = () => {
			const items = input.value.split('\n').map((x) => x.trim()).filter(Boolean);
			return items.length ? items : undefined;
		};
		break;
	case 'int':
		input = h('input', {...common, type: 'number', step: 1, min: spec.min, max: spec.max, value: current ?? '',
			inputmode: 'numeric'});
		read = () => (input.value === '' ? undefined : Number(input.value));
		break;
	case 'date':
		input = h('input', {...common, type: 'date', value: current || ''});
		read = () => input.value || undefined;
		break;
	case 'url':
		input = h('input', {...common, type: 'url', value: current || '', placeholder: 'https://'});
		read = () => input.value.trim() || undefined;
		break;
	case 'country':
		input = h('input', {...common, type: 'text', value: current || '', maxlength: 2, size: 3,
			autocapitalize: 'characters', autocomplete: 'country'});
		read = () => input.value.trim().toUpperCase() || undefined;
		break;
	default:
		if (spec.multiline) {
			input = h('textarea', {...common, rows: 8, value: current || ''});
		} else {
			input = h('input', {...common, type: 'text', value: current ?? '',
				placeholder: spec.type === 'period' ? '2019-2023' : null,
				class: spec.type === 'key' || spec.type === 'hash' ? 'mono' : null});
		}
		// Paragraphs and line breaks are kept as typed; only a field of spaces is empty.
		read = () => (input.value.trim() === '' ? undefined : input.value);
	}

	if (group) {
		box.append(group, hint, err);
	} else {
		box.append(h('label', {for: id}, label,
			spec.required ? h('span', {class: 'req', 'aria-hidden': 'true'}, ' *') : null), hint, input, err);
	}
	const focusTarget = () => group ? group.querySelector('input') : input;
	const setError = (message) => {
		err.textContent = message || '';
		box.classList.toggle('invalid', Boolean(message));
		const target = group || input;
		if (message) target.setAttribute('aria-invalid', 'true');
		else target.removeAttribute('aria-invalid');
	};
	return {spec, box, read, setError, focusTarget, label};
}

function same(a, b) {
	return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

export async function viewForm(main, ctx, kindName, id) {
	const kind = ctx.kind(kindName);
	if (!kind) throw new ApiError(404, {error: {code: 'not_found', message: t('error.not_found')}});
	const path = id ? `/api/records/${kindName}/${enc(id)}` : `/api/records/${kindName}`;
	const needMembers = kind.fields.some((f) => f.type === 'keys');
	const [rec, net] = await Promise.all([id ? get(path) : null,
		needMembers ? ctx.members().catch(() => ({members: []})) : {members: []}]);
	const record = rec ? rec.record : null;
	const old = record ? record.fields : {};
	const controls = kind.fields.map((spec) => control(ctx, spec, old[spec.name], record, net.members));
	const summary = h('div', {id: 'form-errors', class: 'error-summary', role: 'alert', tabindex: '-1', hidden: true});
	const saving = h('p', {class: 'hint', 'aria-live': 'polite', id: 'form-status'});
	const title = id ? t('form.edit', {title: record.title || id}) : t('form.new', {kind: L(kind.label)});
	const form = h('form', {id: 'record-form', novalidate: true, 'aria-labelledby': 'form-title',
		oninput: () => { ctx.dirty = true; },
		onsubmit: submit},
	h('p', {class: 'hint'}, t('form.intro')),
	summary,
	controls.map((c) => c.box),
	saving,
	h('div', {class: 'actions'},
		h('button', {type: 'submit', class: 'primary', id: 'save-record'}, t('form.save')),
		h('a', {class: 'button', href: id ? `#/record/${kindName}/${enc(id)}` : `#/records/${kindName}`}, t('cancel'))));
	replace(main, h('h1', {id: 'form-title'}, title), form);

	async function submit(ev) {
		ev.preventDefault();
		const fields = {};
		for (const c of controls) {
			c.setError('');
			const v = c.read();
			if (record) {
				if (!same(v, old[c.spec.name])) fields[c.spec.name] = v === undefined ? null : v;
			} else if (v !== undefined) {
				fields[c.spec.name] = v;
			}
		}
		summary.hidden = true;
		if (record && Object.keys(fields).length === 0) {
			saving.textContent = t('form.unchanged');
			return;
		}
		saving.textContent = t('form.saving');
		try {
			const res = record ? await put(path, {fields}) : await post(path, {fields});
			ctx.dirty = false;
			flash = t('form.saved');
			ctx.navigate(`#/record/${kindName}/${enc(res.record.id)}`);
		} catch (e) {
			saving.textContent = '';
			showRefusals(e);
		}
	}

	// Each refusal beside its field, in the node's words; the summary lists them all and
	// links to each field, and takes the focus so a screen reader says what went wrong.
	function showRefusals(e) {
		const list = e instanceof ApiError && e.errors.length ? e.errors : [{message: errorText(e)}];
		const items = [];
		let first = null;
		for (const err of list) {
			const c = err.field ? controls.find((x) => x.spec.name === err.field) : null;
			const message = err.message || errorText(e);
			if (c) {
				c.setError(message);
				first = first || c;
				items.push(h('li', {}, h('a', {href: `#f-${c.spec.name}`, onclick: (ev2) => {
					ev2.preventDefault();
					c.focusTarget().focus();
				}}, t('form.refusal.item', {label: c.label, message}))));
			} else {
				items.push(h('li', {}, message));
			}
		}
		replace(summary, h('p', {}, t('form.refused')), h('ul', {}, items));
		summary.hidden = false;
		summary.focus();
	}
}

