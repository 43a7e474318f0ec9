// run.mjs - the page in a real browser (Debian's headless Chromium, driven by
// playwright-core) against real uccn nodes: a Secretariat's hub, two member cities and an
// applicant, all on 127.0.0.1 with ports the system picks. A focal point logs in, files a
// best practice through the form, meets the node's refusal beside its field, fixes, edits
// and reads the history; the record reaches the second city's open page by sync without a
// reload; search finds it; the Secretariat designates the applicant from its page; the
// report editor keeps paragraphs; French and English; a record with markup in its title
// shows as text; a POST without the CSRF token is refused; no request leaves the node's
// origin; axe-core finds no serious or critical violation on any page. Screenshots of the
// main pages go to $UCCN_SCREENSHOTS.

import {after, before, test} from 'node:test';
import assert from 'node:assert/strict';
import {execFileSync, spawn} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import {fileURLToPath} from 'node:url';
import {chromium} from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const UCCN = process.env.UCCN_BIN;
const ROOT = process.env.UCCN_SOURCE_ROOT || path.resolve(here, '../..');
const SHOTS = process.env.UCCN_SCREENSHOTS || fs.mkdtempSync(path.join(os.tmpdir(), 'uccn-shots-'));
const AXE = fs.readFileSync(path.join(here, 'node_modules/axe-core/axe.min.js'), 'utf8');
// Bounds a wait that would otherwise hang; no assertion is about how long anything takes.
const PATIENCE = 30000;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'uccn-browser-'));
const procs = [];
// A node that ended by itself (a crash): every later test fails at once, saying which and why.
const died = [];
const nodes = {};
let browser;
const contexts = [];
// Every request any page made, and every Content-Security-Policy violation it reported.
const requests = [];
const violations = [];

function uccn(home, ...args) {
	return execFileSync(UCCN, ['--home', path.join(dir, home), ...args],
		{encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']}).trim();
}

// Starts `uccn serve` with its page; resolves with the sync and page addresses it prints.
function serve(home) {
	return new Promise((resolve, reject) => {
		const p = spawn(UCCN, ['--home', path.join(dir, home), 'serve', '--listen', '127.0.0.1:0',
			'--ui', '127.0.0.1:0'], {stdio: ['ignore', 'pipe', fs.openSync(path.join(dir, `${home}.log`), 'a')]});
		procs.push(p);
		const seen = {};
		const lines = readline.createInterface({input: p.stdout});
		lines.on('line', (line) => {
			const addr = /(\d+\.\d+\.\d+\.\d+:\d+)/.exec(line);
			if (!addr) return;
			if (/ui|page|http/i.test(line)) seen.ui = `http://${addr[1]}`;
			else if (/listening/i.test(line)) seen.ws = `ws://${addr[1]}`;
			if (seen.ui && seen.ws) resolve(seen);
		});
		p.on('exit', (code, signal) => {
			const log = fs.readFileSync(path.join(dir, `${home}.log`), 'utf8').split('\n').slice(0, 12).join('\n');
			died.push(`uccn serve (${home}) ended (${code ?? signal}) while the tests ran:\n${log}`);
			reject(new Error(died[died.length - 1]));
		});
	});
}

// A browser context for one node: every request checked to stay on the node's origin.
async function open(node, options = {}) {
	const context = await browser.newContext({locale: 'en-GB', viewport: {width: 1200, height: 900}, ...options});
	contexts.push(context);
	await context.route('**/*', (route) => {
		const url = route.request().url();
		requests.push(url);
		if (new URL(url).origin !== new URL(node.ui).origin) return route.abort();
		return route.continue();
	});
	await context.addInitScript(() => {
		document.addEventListener('securitypolicyviolation', (e) => {
			window.__csp = window.__csp || [];
			window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`);
		});
	});
	const page = await context.newPage();
	pages.push(page);
	page.on('pageerror', (e) => violations.push(`page error: ${e.message}`));
	page.on('console', (m) => {
		if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
	});
	page.on('dialog', (d) => {
		violations.push(`dialog opened: ${d.message()}`);
		d.dismiss();
	});
	return page;
}

async function login(page, node) {
	const url = uccn(node.home, 'ui', '--url');
	assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/login\?token=/, 'ui --url prints a login link');
	await page.goto(url);
	await page.locator('#nav a').first().waitFor({timeout: PATIENCE});
	assert.equal(new URL(page.url()).search, '', 'the token left the address bar');
}

// Marks the view on screen as drawn before, so that waiting for the next one cannot be met by
// this one (two views may share a heading: Events and its list, New and New).
async function leaveView(page) {
	await page.evaluate(() => {
		const h1 = document.querySelector('main h1');
		if (h1) h1.dataset.before = '';
	});
}

// Waits until main shows a heading drawn since leaveView, holding the text given.
async function viewDrawn(page, heading) {
	await page.waitForFunction((text) => {
		const h1 = document.querySelector('main h1');
		return h1 !== null && h1.dataset.before === undefined && h1.textContent.includes(text);
	}, heading, {timeout: PATIENCE, polling: 50});
}

// The page shows a view: waits for its h1, drawn after the hash changed (the same hash draws
// nothing new: the view on screen is the one asked for).
async function go(page, hash, heading) {
	const moved = await page.evaluate((h) => location.hash !== h, hash);
	if (moved) await leaveView(page);
	await page.evaluate((h) => { location.hash = h; }, hash);
	if (heading && moved) await viewDrawn(page, heading);
	else if (heading) await page.locator('main h1', {hasText: heading}).waitFor({timeout: PATIENCE});
}

async function axe(page, name) {
	if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(AXE);
	const result = await page.evaluate(() => window.axe.run(document, {
		runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}}));
	const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
	assert.deepEqual(bad.map((v) => `${name}: ${v.id} (${v.impact}) ${v.help}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`), []);
	const csp = await page.evaluate(() => window.__csp || []);
	assert.deepEqual(csp, [], `${name}: no Content-Security-Policy violation`);
}

// The form offers only the 17 goals; a tampered form (or a stale one) can still send an 18th,
// and the node's refusal must come back beside the field that caused it.
async function sendSdg18(p) {
	await p.evaluate(() => {
		const box = document.querySelector('#field-sdgs input[value="17"]');
		box.value = '18';
		box.checked = true;
	});
	await p.click('#save-record');
	await p.locator('#error-sdgs').filter({hasText: '18'}).waitFor({timeout: PATIENCE});
}

async function shot(page, name) {
	await page.screenshot({path: path.join(SHOTS, `${name}.png`), fullPage: true});
}

// A test that fails leaves a screenshot of every open page beside the others.
const pages = [];
function check(name, fn, options = {}) {
	test(name, options, async () => {
		assert.deepEqual(died, [], 'every node is still running');
		try {
			await fn();
			assert.deepEqual(died, [], 'every node is still running');
		} catch (e) {
			let i = 0;
			for (const p of pages) {
				i += 1;
				if (!p.isClosed()) await p.screenshot({path: path.join(SHOTS, `failed-${name.replace(/\W+/g, '-').slice(0, 40)}-${i}.png`), fullPage: true}).catch(() => {});
			}
			throw e;
		}
	});
}

before(async () => {
	assert.ok(UCCN, 'UCCN_BIN names the uccn program');
	const net = /([0-9a-f]{64})/.exec(uccn('unesco', 'init', '--secretariat', '--name', 'UNESCO Secretariat'))[1];
	const cities = [['adelaide', 'Adelaide', 'AU', 'music', '2015'], ['hobart', 'Hobart', 'AU', 'literature', '2023'],
		['lyon', 'Lyon', 'FR', 'media_arts', '2008']];
	for (const [home, name, country, field] of cities) {
		uccn(home, 'init', '--network', net, '--name', name, '--country', country, '--field', field);
		nodes[home] = {home, key: uccn(home, 'whoami')};
	}
	nodes.unesco = {home: 'unesco', key: net};
	// Lyon applies: it is not designated, so the hub holds what it sends.
	for (const [home, name, country, field, year] of cities.slice(0, 2)) {
		uccn('unesco', 'designate', nodes[home].key, '--name', name, '--country', country, '--field', field, '--year', year);
	}
	Object.assign(nodes.unesco, await serve('unesco'));
	// Demo-like records, from the command line as a city's IT person would have typed them.
	uccn('hobart', 'put', 'best_practice', 'title=City of Stories', 'summary=Readers and writers in every library.',
		'fields=literature', 'sdgs=4,11', 'year=2024', 'partners=Adelaide,Edinburgh');
	nodes.hobart.xss = uccn('hobart', 'put', 'best_practice', 'title=<img src=x onerror="window.__xss=1">',
		'summary=<script>window.__xss=2</script>', 'sdgs=16');
	uccn('adelaide', 'put', 'event', 'title=Adelaide Fringe music day', `starts=${new Date().toISOString().slice(0, 8)}15`,
		'place=Adelaide', 'fields=music');
	nodes.lyon.bp = uccn('lyon', 'put', 'best_practice', 'title=Festival of Lights workshops',
		'summary=Artists teach luminaires to children.', 'fields=media_arts', 'sdgs=4', 'year=2023');
	uccn('lyon', 'sync', nodes.unesco.ws);
	for (const home of ['adelaide', 'hobart']) {
		uccn(home, 'peer', 'add', nodes.unesco.ws);
		Object.assign(nodes[home], await serve(home));
	}
	browser = await chromium.launch({executablePath: process.env.UCCN_CHROMIUM || '/usr/bin/chromium'});
});

after(async () => {
	for (const c of contexts) await c.close().catch(() => {});
	if (browser) await browser.close();
	for (const p of procs) {
		if (p.exitCode === null) {
			p.removeAllListeners('exit');
			p.kill('SIGTERM');
			await new Promise((r) => p.once('exit', r));
		}
	}
	if (process.env.UCCN_BROWSER_KEEP) console.log(`the nodes' homes and logs are kept in ${dir}`);
	else fs.rmSync(dir, {recursive: true, force: true});
});

check('every message of the page is in English and in French', async () => {
	const {messages} = await import(path.join(ROOT, 'tools/ui/js/i18n.js'));
	const en = Object.keys(messages.en).sort();
	assert.deepEqual(Object.keys(messages.fr).sort(), en);
	for (const k of en) assert.notEqual(messages.fr[k].trim(), '', `fr ${k}`);
});

let adelaide;
let hobart;
let bpId;
const word = 'marimbaphones';

check('the focal point logs in with the link of uccn ui --url', async () => {
	adelaide = await open(nodes.adelaide);
	await login(adelaide, nodes.adelaide);
	assert.equal(await adelaide.locator('#node-name').textContent(), 'Adelaide');
	const res = await adelaide.request.get(`${nodes.adelaide.ui}/`);
	assert.match(res.headers()['content-security-policy'] || '', /default-src 'self'/);
	// Hobart's page is open before the record exists: it must arrive there by itself.
	hobart = await open(nodes.hobart);
	await login(hobart, nodes.hobart);
	await go(hobart, '#/records/best_practice?whose=all', 'Records of the network');
	await hobart.evaluate(() => { window.__noReload = true; });
});

check('a best practice through the form: SDG 18 refused beside its field, fixed, edited, its history', async () => {
	const p = adelaide;
	await go(p, '#/records/best_practice', 'Our records');
	await p.click('#new-record');
	await p.locator('main h1', {hasText: 'New'}).waitFor();
	await shot(p, 'form-best-practice');
	await p.fill('#field-title', 'Music in every school');
	await p.fill('#field-summary', `Every child learns an instrument.\n\nThe ${word} came from Bologna.`);
	await p.check('#field-fields input[value="music"]');
	await p.check('#field-sdgs input[value="4"]');
	await sendSdg18(p);
	assert.match(await p.locator('#error-sdgs').textContent(), /18 /);
	assert.equal(await p.locator('#f-sdgs fieldset').getAttribute('aria-invalid'), 'true');
	assert.equal(await p.locator('#error-title').textContent(), '', 'no refusal beside a field that was right');
	await shot(p, 'form-refusal');
	await p.locator('#f-sdgs').screenshot({path: path.join(SHOTS, 'form-refusal-field.png')});
	await axe(p, 'form with a refusal');
	await p.uncheck('#field-sdgs input[value="18"]');
	await p.check('#field-sdgs input[value="11"]');
	await p.click('#save-record');
	await p.locator('main h1', {hasText: 'Music in every school'}).waitFor({timeout: PATIENCE});
	bpId = decodeURIComponent(new URL(p.url()).hash.split('/').pop());
	assert.match(await p.locator('dd[data-field="sdgs"]').textContent(), /4 · .*11 · /);
	// Edit it: the title changes, the rest stays.
	await p.click('#edit-record');
	await p.locator('#field-title').waitFor();
	assert.equal(await p.inputValue('#field-summary'), `Every child learns an instrument.\n\nThe ${word} came from Bologna.`);
	await p.fill('#field-title', 'Music in every school of the city');
	await p.click('#save-record');
	await p.locator('main h1', {hasText: 'Music in every school of the city'}).waitFor({timeout: PATIENCE});
	const rows = p.locator('#history tbody tr');
	assert.equal(await rows.count(), 2, 'two changes in the history');
	assert.match(await rows.nth(0).locator('.author').textContent(), /Adelaide/);
	assert.doesNotMatch(await p.locator('#history').textContent(), /[0-9a-f]{64}/, 'no key in the history');
	assert.match(await rows.nth(1).textContent(), /Music in every school of the city/);
	assert.equal(await p.locator('#history td.ok').count(), 2, 'every signature verified');
	await shot(p, 'record-history');
	await axe(p, 'record and history');
});

check('the record reaches the other city by sync and shows on its open page without a reload', async () => {
	await hobart.locator('#record-list a', {hasText: 'Music in every school of the city'}).waitFor({timeout: PATIENCE});
	assert.equal(await hobart.evaluate(() => window.__noReload), true, 'the page was not reloaded');
	assert.match(await hobart.locator('#record-list').textContent(), /Adelaide/);
	await shot(hobart, 'records-network');
	await axe(hobart, 'records of the network');
});

check('search finds it by a word of its summary, with its city, field and SDGs', async () => {
	const p = hobart;
	await go(p, '#/search', 'Search');
	await p.fill('#s-q', word);
	await p.click('#search-form button[type="submit"]');
	const result = p.locator('.result', {hasText: 'Music in every school of the city'});
	await result.waitFor({timeout: PATIENCE});
	const text = await result.textContent();
	assert.match(text, /Adelaide/);
	assert.match(text, /Music/);
	assert.match(text, /4 · Quality Education/);
	assert.equal(await result.locator(`a[href="#/city/${nodes.adelaide.key}"]`).count(), 1, 'links to its city');
	// A filter alone: the peers' practices on SDG 4.
	await go(p, '#/search?sdg=4&kind=best_practice', 'Search');
	await p.locator('.result', {hasText: 'City of Stories'}).waitFor({timeout: PATIENCE});
	const stories = p.locator('.result', {hasText: 'City of Stories'});
	assert.equal(await stories.locator('.partners a', {hasText: 'Adelaide'}).count(), 1, 'a partner that is a member links to it');
	await shot(p, 'search');
	await axe(p, 'search');
});

check('a focal point finds a peer city\'s practice on SDG 4 with the search form\'s filter', async () => {
	const p = adelaide;
	await go(p, '#/search', 'Search');
	await p.selectOption('#s-sdg', '4');
	await p.selectOption('#s-kind', 'best_practice');
	await leaveView(p);
	await p.click('#search-form button[type="submit"]');
	await viewDrawn(p, 'Search');
	assert.equal(new URLSearchParams(new URL(p.url()).hash.split('?')[1]).get('sdg'), '4');
	const stories = p.locator('.result', {hasText: 'City of Stories'});
	await stories.waitFor({timeout: PATIENCE});
	assert.match(await stories.locator('.meta').textContent(), /Hobart/, 'a peer city\'s practice');
	// Every result is on SDG 4: Hobart's other practice (SDG 16 alone) is left out.
	const results = p.locator('.result');
	const n = await results.count();
	assert.ok(n >= 2, 'Hobart\'s practice and Adelaide\'s own');
	for (let i = 0; i < n; i++) assert.match(await results.nth(i).textContent(), /4 · Quality Education/);
	assert.equal(await p.locator('.result', {hasText: 'onerror'}).count(), 0, 'the SDG 16 practice is filtered out');
	await stories.locator('h3 a').click();
	await p.locator('main h1', {hasText: 'City of Stories'}).waitFor({timeout: PATIENCE});
	assert.match(await p.locator('dd[data-field="summary"]').textContent(), /Readers and writers/);
});

check('the report editor keeps paragraphs', async () => {
	const p = adelaide;
	await go(p, '#/new/report', 'New');
	const text = 'We opened twelve music schools.\n\nWe hosted the sub-network meeting.\nIt drew 300 people.';
	await p.fill('#field-period', '2024-2028');
	await p.fill('#field-achievements', text);
	await p.click('#save-record');
	await p.locator('main h1', {hasText: '2024-2028'}).waitFor({timeout: PATIENCE});
	const paras = p.locator('dd[data-field="achievements"] p');
	assert.equal(await paras.count(), 2, 'two paragraphs shown');
	assert.equal(await paras.nth(1).innerText(), 'We hosted the sub-network meeting.\nIt drew 300 people.');
	await p.click('#edit-record');
	await p.locator('#field-achievements').waitFor();
	assert.equal(await p.inputValue('#field-achievements'), text, 'the editor gives back what was typed');
});

check('a title with markup from another city shows as text', async () => {
	const p = adelaide;
	await go(p, '#/search?q=onerror', 'Search');
	await go(p, `#/record/best_practice/${encodeURIComponent(nodes.hobart.xss)}`);
	await p.locator('main h1', {hasText: '<img src=x onerror="window.__xss=1">'}).waitFor({timeout: PATIENCE});
	assert.equal(await p.locator('main img').count(), 0);
	assert.equal(await p.locator('main script').count(), 0);
	assert.match(await p.locator('dd[data-field="summary"]').textContent(), /<script>window.__xss=2<\/script>/);
	assert.equal(await p.evaluate(() => window.__xss), undefined);
});

check('a state-changing request without the CSRF token is refused', async () => {
	const res = await adelaide.evaluate(async () => {
		const r = await fetch('/api/records/best_practice', {method: 'POST', headers: {'Content-Type': 'application/json'},
			body: JSON.stringify({fields: {title: 'forged'}})});
		return {status: r.status, body: await r.json()};
	});
	assert.equal(res.status, 403);
	assert.equal(res.body.error.code, 'csrf');
	const search = await adelaide.evaluate(async () => (await fetch('/api/search?q=forged')).json());
	assert.equal(search.total, 0, 'nothing was written');
});

let unesco;

check('the Secretariat sees the application with the data the city sent', async () => {
	const p = unesco = await open(nodes.unesco);
	await login(p, nodes.unesco);
	await go(p, '#/secretariat/applications', 'Applications');
	const card = p.locator(`.application[data-key="${nodes.lyon.key}"]`);
	await card.waitFor({timeout: PATIENCE});
	await shot(p, 'secretariat-applications');
	await card.screenshot({path: path.join(SHOTS, 'secretariat-application.png')});
	await axe(p, 'applications');
	// Lyon's city record is still held at the hub: what shows is what Lyon sent.
	assert.equal(await card.locator('h3').textContent(), 'Lyon');
	assert.match(await card.locator('dl').textContent(), /CountryFR/);
	assert.match(await card.locator('dl').textContent(), /Creative fieldMedia Arts/);
	assert.equal(await card.locator('input[id$="-name"]').inputValue(), 'Lyon', 'the designation form starts from what the city sent');
	assert.equal(await card.locator('input[id$="-country"]').inputValue(), 'FR');
	assert.equal(await card.locator('select').inputValue(), 'media_arts');
	assert.equal(await card.locator('button[type="submit"]').textContent(), 'Designate Lyon');
});

check('the Secretariat designates the applicant with one click and the held changes apply', async () => {
	const p = unesco;
	await go(p, '#/secretariat/applications', 'Applications');
	const card = p.locator(`.application[data-key="${nodes.lyon.key}"]`);
	await card.waitFor({timeout: PATIENCE});
	// Nothing typed: the form holds what Lyon sent, and this year.
	await card.locator('button[type="submit"]').click();
	await p.locator('#sec-status', {hasText: 'Lyon'}).waitFor({timeout: PATIENCE});
	assert.match(await p.locator('#sec-status').textContent(), /[1-9]\d* held change/);
	// The status line comes before the list is drawn again: wait for the card to go.
	await card.waitFor({state: 'detached', timeout: PATIENCE});
	assert.equal(await p.locator('main h2').first().textContent(), 'Cities waiting: 0');
	await go(p, `#/record/best_practice/${encodeURIComponent(nodes.lyon.bp)}`);
	await p.locator('main h1', {hasText: 'Festival of Lights workshops'}).waitFor({timeout: PATIENCE});
	assert.match(await p.locator('.meta').textContent(), /Lyon/);
	await go(p, '#/network', 'The network');
	const row = p.locator('#members tr', {hasText: 'Lyon'});
	await row.waitFor({timeout: PATIENCE});
	assert.match(await row.textContent(), /FR.*Media Arts/, 'designated with the country and field Lyon sent');
	// Lyon's best practice on SDG 4 is the network's now: found with the filter.
	await go(p, '#/search?sdg=4', 'Search');
	await p.locator('.result', {hasText: 'Festival of Lights workshops'}).waitFor({timeout: PATIENCE});
});

check('the Secretariat reads the reports by period and downloads the registry', async () => {
	const p = unesco;
	await go(p, '#/secretariat/reports', 'Monitoring reports');
	// Adelaide's report travels to the hub on its own; the page shows it filed once it is there.
	const row = p.locator('#reports tr', {hasText: 'Adelaide'}).filter({hasText: 'filed'});
	await row.waitFor({timeout: PATIENCE});
	assert.match(await p.locator('#reports tr', {hasText: 'Hobart'}).textContent(), /missing/);
	await shot(p, 'secretariat-reports');
	await axe(p, 'reports');
	await row.locator('a', {hasText: 'read'}).click();
	await p.locator('main h1', {hasText: '2024-2028'}).waitFor({timeout: PATIENCE});
	assert.equal(await p.locator('dd[data-field="achievements"] p').count(), 2, 'the Secretariat reads the paragraphs');
	const csv = await p.evaluate(async () => {
		const r = await fetch('/api/secretariat/registry.csv');
		return {type: r.headers.get('Content-Type'), text: await r.text()};
	});
	assert.match(csv.type, /text\/csv/);
	assert.match(csv.text, /Adelaide/);
	for (const [hash, heading] of [['#/network', 'The network'], ['#/sync', 'Sync'], ['#/events', 'Events'],
		['#/records/best_practice', 'Records of the network']]) {
		await go(p, hash, heading);
		await axe(p, `secretariat ${hash}`);
	}
});

check('the Secretariat sees each city\'s last session as a table and a timeline', async () => {
	const p = unesco;
	await go(p, '#/secretariat/health', 'Network health');
	await p.locator('#health').waitFor({timeout: PATIENCE});
	await shot(p, 'secretariat-health');
	await axe(p, 'health');
	const row = (key) => p.locator(`#health tbody tr[data-key="${key}"]`);
	// Adelaide's and Hobart's serves keep a session open with the hub: it came to the hub.
	for (const home of ['adelaide', 'hobart']) {
		const text = await row(nodes[home].key).textContent();
		assert.match(text, /connected since|synced/, `${home}: ${text}`);
		assert.match(text, /it came to us/, `${home}: ${text}`);
	}
	// Lyon synced once, before its designation: the hub received its changes and held them.
	const lyon = await row(nodes.lyon.key).locator('td').allTextContents();
	assert.match(lyon[0], /synced .*it came to us.*received [1-9]\d*.*held here/, lyon.join(' | '));
	assert.match(lyon[1], /^\d+ \/ [1-9]\d*$/, 'the changes each way');
	// The timeline: the sessions that ended, Lyon's among them, drawn and listed.
	assert.ok(await p.locator('svg.timeline circle').count() > 0, 'the timeline shows the sessions');
	await p.locator('#timeline li', {hasText: 'Lyon'}).first().waitFor({state: 'attached', timeout: PATIENCE});
	assert.match(await p.locator('#timeline li', {hasText: 'Lyon'}).first().textContent(), /session — it came to us · sent \d+, received [1-9]/);
});

check('French from the browser, English by the switch', async () => {
	const p = await open(nodes.adelaide, {locale: 'fr-FR'});
	await login(p, nodes.adelaide);
	assert.equal(await p.getAttribute('html', 'lang'), 'fr');
	assert.match(await p.locator('#nav').textContent(), /Rechercher/);
	await go(p, '#/new/best_practice', 'Nouveau');
	await p.fill('#field-title', 'Essai');
	await sendSdg18(p);
	const fr = await p.locator('#error-sdgs').textContent();
	assert.match(await p.locator('#form-errors').textContent(), /refusé/);
	await shot(p, 'form-refusal-fr');
	await axe(p, 'form in French');
	await leaveView(p);
	await p.selectOption('#lang', 'en');
	await p.locator('#nav a', {hasText: 'Search'}).waitFor();
	// The form is drawn again in English: typing before that would go to the French one.
	await viewDrawn(p, 'New');
	assert.equal(await p.getAttribute('html', 'lang'), 'en');
	await p.fill('#field-title', 'Essai');
	await sendSdg18(p);
	const en = await p.locator('#error-sdgs').textContent();
	assert.notEqual(fr, en, 'the node words its refusal in the language asked');
});

check('every page passes axe-core; screenshots of the main pages', async () => {
	const p = adelaide;
	const pages = [['#/records/best_practice', 'Our records', 'records'], ['#/search?q=music', 'Search', null],
		['#/network', 'The network', 'network'], ['#/events', 'Events', 'events'], ['#/events?view=list', 'Events', null],
		['#/sync', 'Sync', 'sync'], [`#/city/${nodes.hobart.key}`, 'Hobart', null], ['#/new/project', 'New', 'form-project'],
		['#/new/event', 'New', null], ['#/new/city', 'New', null]];
	for (const [hash, heading, name] of pages) {
		await go(p, hash, heading);
		await p.waitForLoadState('networkidle').catch(() => {});
		if (name) await shot(p, name);
		await axe(p, hash);
	}
	// Keyboard alone: the skip link is the first stop and moves focus to the main content.
	const k = await p.context().newPage();
	pages.push(k);
	await k.goto(`${nodes.adelaide.ui}/#/records/best_practice`);
	await k.locator('main h1', {hasText: 'Our records'}).waitFor({timeout: PATIENCE});
	await k.keyboard.press('Tab');
	assert.equal(await k.evaluate(() => document.activeElement.id), 'skip');
	await k.keyboard.press('Enter');
	assert.equal(await k.evaluate(() => document.activeElement.id), 'main');
	// The menu, then a record's link, then the record's page: by keyboard alone.
	await k.keyboard.press('Tab');
	assert.equal(await k.evaluate(() => document.activeElement.closest('main') !== null), true, 'Tab goes on inside the main content');
	await k.close();
	// The login page too, in a context with no session.
	const anon = await open(nodes.adelaide);
	await anon.goto(`${nodes.adelaide.ui}/?login=failed`);
	await anon.locator('#login-user').waitFor({timeout: PATIENCE});
	assert.match(await anon.locator('#login-error').textContent(), /expired|used/);
	await shot(anon, 'login');
	await axe(anon, 'login');
});

check('an account logs in through the form; a wrong password is refused in the page\'s words', async () => {
	execFileSync(UCCN, ['--home', path.join(dir, 'hobart'), 'user', 'add', 'maria', '--password-stdin'],
		{input: 'correct horse battery staple\n', stdio: ['pipe', 'ignore', 'pipe']});
	const p = await open(nodes.hobart);
	await p.goto(`${nodes.hobart.ui}/`);
	await p.locator('#login-user').waitFor({timeout: PATIENCE});
	await p.fill('#login-user', 'maria');
	await p.fill('#login-pass', 'wrong');
	await p.click('#main button[type="submit"]');
	await p.locator('#login-error', {hasText: 'password is wrong'}).waitFor({timeout: PATIENCE});
	await p.fill('#login-pass', 'correct horse battery staple');
	await p.click('#main button[type="submit"]');
	await p.locator('#node-name', {hasText: 'Hobart'}).waitFor({timeout: PATIENCE});
	await p.locator('#nav a').first().waitFor({timeout: PATIENCE});
	await p.click('#logout');
	await p.locator('#login-user').waitFor({timeout: PATIENCE});
	const session = await p.evaluate(async () => (await fetch('/api/session')).json());
	assert.equal(session.authenticated, false, 'logged out');
});

check('a record deleted and brought back; events as a calendar and a feed; the registry verified', async () => {
	const p = adelaide;
	await go(p, '#/records/best_practice', 'Our records');
	await p.locator('#record-list a', {hasText: 'Music in every school of the city'}).click();
	await p.locator('main h1', {hasText: 'Music in every school of the city'}).waitFor({timeout: PATIENCE});
	await p.click('#delete-record');
	await p.click('#confirm-delete');
	await p.locator('main .badge', {hasText: 'deleted'}).waitFor({timeout: PATIENCE});
	assert.equal(await p.locator('#history tbody tr').last().locator('td').nth(2).textContent(), 'deleted the record');
	await p.click('#undelete-record');
	await p.locator('dd[data-field="summary"]', {hasText: word}).waitFor({timeout: PATIENCE});
	assert.equal(await p.locator('#history tbody tr').count(), 4, 'the delete and the undelete are in the history');
	await go(p, '#/events', 'Events');
	await p.locator('table.calendar a', {hasText: 'Adelaide Fringe music day'}).waitFor({timeout: PATIENCE});
	await go(p, '#/events?view=list', 'Events');
	await p.locator('.result', {hasText: 'Adelaide Fringe music day'}).waitFor({timeout: PATIENCE});
	const ics = await p.evaluate(async () => {
		const r = await fetch(document.getElementById('ics-link').getAttribute('href'));
		return {type: r.headers.get('Content-Type'), text: await r.text()};
	});
	assert.match(ics.type, /text\/calendar/);
	assert.match(ics.text, /SUMMARY:Adelaide Fringe music day/);
	await go(p, '#/network', 'The network');
	await p.locator('#verification.ok').waitFor({timeout: PATIENCE});
	assert.match(await p.locator('#members').textContent(), /Hobart/);
	assert.equal(await p.locator('svg.chart').count(), 4, 'four charts drawn by the page');
});

check('the node goes offline: the page says edits are safe, and an edit still saves', async () => {
	const p = adelaide;
	await go(p, '#/sync', 'Sync');
	await p.locator('#online.ok').waitFor({timeout: PATIENCE});
	const hub = procs[0];
	hub.removeAllListeners('exit');
	hub.kill('SIGTERM');
	await new Promise((r) => hub.once('exit', r));
	await p.locator('#banner-offline').waitFor({timeout: PATIENCE});
	assert.match(await p.locator('#banner-offline').textContent(), /safe/);
	await go(p, '#/new/best_practice', 'New');
	await p.fill('#field-title', 'Written offline');
	await p.click('#save-record');
	await p.locator('main h1', {hasText: 'Written offline'}).waitFor({timeout: PATIENCE});
	await go(p, '#/sync', 'Sync');
	await p.locator('#online.warn').waitFor({timeout: PATIENCE});
	await shot(p, 'sync-offline');
	await axe(p, 'sync offline');
});

check('no request left the node\'s origin and the policy was never broken', () => {
	assert.ok(requests.length > 20, 'the pages made requests');
	const origins = new Set(Object.values(nodes).filter((n) => n.ui).map((n) => new URL(n.ui).origin));
	assert.deepEqual(requests.filter((u) => !origins.has(new URL(u).origin)), []);
	assert.deepEqual(violations, []);
});
