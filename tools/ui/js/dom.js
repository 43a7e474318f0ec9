// dom.js - builds the page's elements. Every value is set as text or as an attribute, never
// parsed as markup: a record's title "<img src=x onerror=...>" shows as those characters.

const SVG_NS = 'http://www.w3.org/2000/svg';

// h('p', {class: 'x', onclick: fn}, 'text', child, [more]) makes an element. Attributes named
// on* become listeners; strings and numbers become text nodes; null and false are skipped.
export function h(tag, attrs, ...children) {
	return build(document.createElement(tag), attrs, children);
}

// The same for SVG elements (charts).
export function s(tag, attrs, ...children) {
	return build(document.createElementNS(SVG_NS, tag), attrs, children);
}

function build(el, attrs, children) {
	for (const [name, value] of Object.entries(attrs || {})) {
		if (value === null || value === undefined || value === false) continue;
		if (name.startsWith('on') && typeof value === 'function') {
			el.addEventListener(name.slice(2), value);
		} else if (name === 'value' && 'value' in el && !(el instanceof SVGElement)) {
			el.value = value;
		} else if (name === 'checked' || name === 'selected') {
			el[name] = Boolean(value);
		} else {
			el.setAttribute(name, value === true ? '' : String(value));
		}
	}
	append(el, children);
	return el;
}

export function append(el, children) {
	for (const c of children.flat(Infinity)) {
		if (c === null || c === undefined || c === false) continue;
		el.append(c instanceof Node ? c : document.createTextNode(String(c)));
	}
	return el;
}

// Empties el and fills it with children.
export function replace(el, ...children) {
	el.replaceChildren();
	return append(el, children);
}

// A long text as paragraphs: blank lines part paragraphs, single line breaks stay (CSS
// white-space: pre-line on .text), so what a focal point typed reads as typed.
export function paragraphs(text) {
	return String(text)
		.split(/\n[ \t]*\n/)
		.filter((p) => p.trim() !== '')
		.map((p) => h('p', {class: 'text'}, p));
}

let idCounter = 0;
// A fresh id for label/for and aria-describedby pairs.
export function uid(prefix) {
	idCounter += 1;
	return `${prefix}-${idCounter}`;
}
