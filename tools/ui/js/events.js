// events.js - the events the node holds as a month calendar or a list, and the iCalendar
// feed (/events.ics) any calendar program can subscribe to.

import {enc, get, query} from './api.js';
import {h, replace} from './dom.js';
import {cityLink, day} from './format.js';
import {lang, t} from './i18n.js';

const pad = (n) => String(n).padStart(2, '0');
const ymd = (d) => `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;

function monthOf(q) {
	const m = /^(\d{4})-(\d{2})$/.exec(q.get('m') || '');
	const now = new Date();
	return m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, 1))
		: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
}

export async function viewEvents(main, ctx, q) {
	const mode = q.get('view') === 'list' ? 'list' : 'month';
	const first = monthOf(q);
	const monthKey = (d) => `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}`;
	const prev = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() - 1, 1));
	const next = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 1));
	const last = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0));
	const monthName = new Intl.DateTimeFormat(lang(), {month: 'long', year: 'numeric', timeZone: 'UTC'}).format(first);

	const body = h('div', {id: 'events'});
	replace(main, h('h1', {}, t('events.title')),
		h('div', {class: 'toolbar'},
			h('nav', {'aria-label': t('events.views')}, h('ul', {class: 'tabs'},
				h('li', {}, h('a', {href: `#/events?view=month&m=${monthKey(first)}`, 'aria-current': mode === 'month' ? 'page' : null}, t('events.month'))),
				h('li', {}, h('a', {href: '#/events?view=list', 'aria-current': mode === 'list' ? 'page' : null}, t('events.list'))))),
			h('p', {}, h('a', {href: '/events.ics', class: 'button', id: 'ics-link'}, t('events.ics')), ' ',
				h('span', {class: 'hint'}, t('events.ics.hint')))),
		body);

	async function load() {
		if (mode === 'list') {
			const data = await get(`/api/events${query({limit: 1000})}`);
			replace(body, data.events.length ? h('ol', {class: 'results'}, data.events.map((e) => eventItem(e)))
				: h('p', {}, t('events.none')));
			return;
		}
		const data = await get(`/api/events${query({from: ymd(first), to: ymd(last), limit: 1000})}`);
		// Monday first: the network's cities mostly count weeks that way (ISO 8601).
		const lead = (first.getUTCDay() + 6) % 7;
		const cells = [];
		for (let i = 0; i < lead; i++) cells.push(null);
		for (let d = 1; d <= last.getUTCDate(); d++) cells.push(new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth(), d)));
		while (cells.length % 7) cells.push(null);
		const weekday = new Intl.DateTimeFormat(lang(), {weekday: 'short', timeZone: 'UTC'});
		const heads = [];
		for (let i = 0; i < 7; i++) heads.push(weekday.format(new Date(Date.UTC(2024, 0, 1 + i))));
		const rows = [];
		for (let i = 0; i < cells.length; i += 7) {
			rows.push(h('tr', {}, cells.slice(i, i + 7).map((d) => {
				if (!d) return h('td', {class: 'empty'});
				const key = ymd(d);
				const today = data.events.filter((e) => e.fields.starts <= key && (e.fields.ends || e.fields.starts) >= key);
				return h('td', {class: today.length ? 'has-events' : null},
					h('span', {class: 'daynum'}, String(d.getUTCDate())),
					today.length ? h('ul', {class: 'day-events'}, today.map((e) => h('li', {},
						h('a', {href: `#/record/event/${enc(e.id)}`}, e.title || e.id)))) : null);
			})));
		}
		replace(body,
			h('div', {class: 'month-nav'},
				h('a', {href: `#/events?view=month&m=${monthKey(prev)}`, class: 'button', rel: 'prev'}, `← ${t('events.prev')}`),
				h('h2', {id: 'month-title'}, monthName),
				h('a', {href: `#/events?view=month&m=${monthKey(next)}`, class: 'button', rel: 'next'}, `${t('events.next')} →`)),
			h('table', {class: 'calendar', 'aria-labelledby': 'month-title'},
				h('thead', {}, h('tr', {}, heads.map((w) => h('th', {scope: 'col'}, w)))),
				h('tbody', {}, rows)),
			data.events.length ? h('h2', {}, t('events.thismonth')) : h('p', {}, t('events.none.month')),
			data.events.length ? h('ol', {class: 'results'}, data.events.map((e) => eventItem(e))) : null);
	}

	function eventItem(e) {
		const f = e.fields;
		return h('li', {class: 'result'},
			h('h3', {}, h('a', {href: `#/record/event/${enc(e.id)}`}, e.title || e.id)),
			h('p', {class: 'meta'}, h('time', {datetime: f.starts}, day(f.starts)),
				f.ends && f.ends !== f.starts ? [' – ', h('time', {datetime: f.ends}, day(f.ends))] : null,
				f.place ? ` · ${f.place}` : '', ' · ', cityLink(e.owner)));
	}

	await load();
	return load;
}
