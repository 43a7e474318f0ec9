// charts.js - simple bar charts drawn as SVG by the page (no external service), each with
// its numbers as a table beside it for those who would rather read than look.

import {h, s, uid} from './dom.js';
import {t} from './i18n.js';

// rows: [[label, count], ...]. Horizontal bars, one per row, longest = full width.
export function barChart(title, rows) {
	const id = uid('chart');
	const barH = 24;
	const gap = 6;
	const labelW = 300;
	const width = 580;
	const barMax = width - labelW - 50;
	const max = Math.max(1, ...rows.map((r) => r[1]));
	const height = Math.max(1, rows.length) * (barH + gap) + gap;
	const svg = s('svg', {viewBox: `0 0 ${width} ${height}`, width: '100%', role: 'img',
		'aria-labelledby': `${id}-t`, class: 'chart', preserveAspectRatio: 'xMinYMin meet'},
	s('title', {id: `${id}-t`}, title),
	rows.map(([label, n], i) => {
		const y = gap + i * (barH + gap);
		const w = Math.round((n / max) * barMax);
		return s('g', {},
			s('text', {x: labelW - 8, y: y + barH / 2, 'text-anchor': 'end', 'dominant-baseline': 'middle',
				class: 'chart-label'}, label.length > 30 ? `${label.slice(0, 29)}…` : label),
			s('rect', {x: labelW, y, width: Math.max(w, n > 0 ? 2 : 0), height: barH, class: 'bar', rx: 2}),
			s('text', {x: labelW + w + 6, y: y + barH / 2, 'dominant-baseline': 'middle', class: 'chart-value'},
				String(n)));
	}));
	return h('figure', {class: 'chart-box'},
		h('figcaption', {}, title),
		rows.length ? svg : h('p', {}, t('chart.empty')),
		h('details', {},
			h('summary', {}, t('chart.numbers')),
			h('table', {class: 'list compact'},
				h('thead', {}, h('tr', {}, h('th', {scope: 'col'}, t('chart.what')), h('th', {scope: 'col'}, t('chart.count')))),
				h('tbody', {}, rows.map(([label, n]) => h('tr', {}, h('td', {}, label), h('td', {}, String(n))))))));
}
