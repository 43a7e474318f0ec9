// format.js - shows values as people read them: dates in the page's language, a city by its
// name (never by its key), creative fields and SDGs by their names, long texts as paragraphs.

import {h, paragraphs} from './dom.js';
import {L, lang, t} from './i18n.js';

// "2026-12-06T07:00:00.000Z" -> "6 Dec 2026, 07:00" in the page's language.
export function when(at) {
	if (!at) return t('never');
	const d = new Date(at);
	if (Number.isNaN(d.getTime())) return String(at);
	return new Intl.DateTimeFormat(lang(), {dateStyle: 'medium', timeStyle: 'short'}).format(d);
}

// A calendar date "YYYY-MM-DD" -> "6 December 2026".
export function day(ymd) {
	const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(ymd));
	if (!m) return String(ymd);
	const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
	return new Intl.DateTimeFormat(lang(), {dateStyle: 'long', timeZone: 'UTC'}).format(d);
}

// A city as {key, name, country}: its name, linked to its page; a key no one names is
// "a city not (yet) known", never the key itself.
export function cityLink(city) {
	if (!city) return t('city.unknown');
	const name = city.name || t('city.unknown');
	const label = city.country ? `${name} (${city.country})` : name;
	if (!city.key) return label;
	return h('a', {href: `#/city/${city.key}`}, label);
}

export function choiceLabel(choices, value) {
	const c = (choices || []).find((x) => String(x.value) === String(value));
	return c ? L(c.label) : String(value);
}

export function fieldName(ctx, value) {
	return choiceLabel(ctx.creativeFields, value);
}

export function sdgName(ctx, n) {
	return `${n} · ${choiceLabel(ctx.sdgs, n)}`;
}

// A field's value by its spec's type, as elements. cities names the keys (API.md §5).
export function value(ctx, spec, v, cities) {
	if (v === null || v === undefined) return h('em', {}, t('value.removed'));
	switch (spec ? spec.type : 'text') {
	case 'sdgs':
		return h('ul', {class: 'chips'}, v.map((n) => h('li', {class: 'chip sdg'}, sdgName(ctx, n))));
	case 'fields':
		return h('ul', {class: 'chips'}, v.map((f) => h('li', {class: 'chip'}, fieldName(ctx, f))));
	case 'field':
		return fieldName(ctx, v);
	case 'choice':
		return choiceLabel(spec.choices, v);
	case 'texts':
		return h('ul', {class: 'plain'}, v.map((x) => h('li', {}, x)));
	case 'keys':
		return h('ul', {class: 'plain'}, v.map((k) => h('li', {}, cityLink({key: k, ...(cities && cities[k])}))));
	case 'key':
		return cityLink({key: v, ...(cities && cities[v])});
	case 'date':
		return h('time', {datetime: v}, day(v));
	case 'url':
		// Only http(s) links are links: the node checks the scheme, and the page checks again.
		return /^https?:\/\//.test(v) ? h('a', {href: v, rel: 'noopener noreferrer'}, v) : String(v);
	case 'text':
		return spec && spec.multiline ? h('div', {class: 'long'}, paragraphs(v)) : String(v);
	default:
		return String(v);
	}
}

// A short line for lists: the SDGs of a record as numbers with names in a tooltip-free way.
export function sdgList(ctx, list) {
	if (!list || !list.length) return '';
	return list.map((n) => sdgName(ctx, n)).join(', ');
}

export function fieldList(ctx, list) {
	if (!list || !list.length) return '';
	return list.map((f) => fieldName(ctx, f)).join(', ');
}

// A session of the node's record (proto/API.md §9): how it ended and when, who called whom,
// and what moved each way.
export function sessionText(s) {
	if (!s) return t('never');
	const at = s.state === 'connected' || s.state === 'interrupted' ? s.started : s.ended;
	const parts = [t(`session.${s.state}`, {when: when(at)}), t(`session.${s.direction}`),
		t('session.moved', {sent: s.sent, received: s.received})];
	if (s.held) parts.push(t('session.heldhere', {n: s.held}));
	if (s.held_there) parts.push(t('session.heldthere', {n: s.held_there}));
	return parts.join(' · ');
}
