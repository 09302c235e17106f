// The Exercise panel's real-browser test (issue 16): a lab built by
// `ntlab exercise start q189732`, served by `ntlab up --http`; the panel's
// Check says ✗ with the first hint, the student fixes the lab through the
// console (User Rights in \\EXCHSRV's focus, then stop and start the store
// in Services), and Check says ✓ for every goal, 100 %, with the
// explanation of Q189732.
// Usage: node exercise.mjs NTLAB SHOTDIR   (make console-test)
// Fails on any browser console error, page error or failed request; keeps
// a screenshot of each step in SHOTDIR/ex-NN-step.png.
import puppeteer from 'puppeteer-core';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const NTLAB = resolve(process.argv[2] || 'build/ntlab');
const SHOTS = resolve(process.argv[3] || 'build/console');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const t0 = Date.now();
const log = (m) => console.log(`[${((Date.now() - t0) / 1000).toFixed(1)}s] ${m}`);
function fail(m) { throw new Error(m); }

const freePort = () => new Promise((res, rej) => {
  const s = createServer();
  s.on('error', rej);
  s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => res(p)); });
});
const ntlab = (...a) => execFileSync(NTLAB, a, { encoding: 'utf8' });

const dir = mkdtempSync(join(tmpdir(), 'ntlab-console-ex-'));
const lab = join(dir, 'lab');
let browser = null, up = false;
const errors = [];

let shot = 0;
async function snap(page, step) {
  shot++;
  const f = join(SHOTS, `ex-${String(shot).padStart(2, '0')}-${step}.png`);
  await page.screenshot({ path: f, fullPage: true });
  log(`screenshot ${f}`);
}

async function click(page, sel) {
  await page.waitForSelector(sel, { visible: true });
  await page.click(sel);
}

const text = (page, sel) => page.$eval(sel, (e) => e.textContent);

/* Check, then wait for the score line. */
async function check(page) {
  await page.$eval('#ex-score', (e) => { e.textContent = ''; });
  await click(page, '#ex-check');
  await page.waitForFunction(() => document.querySelector('#ex-score').textContent.startsWith('Score'),
    { timeout: 10000 });
  return text(page, '#ex-score');
}

/* User Manager focused on \\EXCHSRV: grant "Act as part of the operating
 * system" to CORP\EXCHSVC. */
async function grantTcb(page) {
  await click(page, '[data-open="win-usrmgr"]');
  await click(page, '#m-user');
  await click(page, '#um-select');
  await page.waitForSelector('#dlg-domain[open]');
  await page.select('#dom-list', '\\\\EXCHSRV');
  await click(page, '#dom-ok');
  await page.waitForFunction(() => document.querySelector('#um-focus').textContent === '\\\\EXCHSRV');
  await click(page, '#m-policies');
  await click(page, '#um-rights');
  await page.waitForSelector('#dlg-rights[open]');
  if (!(await page.$eval('#rt-advanced', (e) => e.checked))) await page.click('#rt-advanced');
  await page.select('#rt-right', 'SeTcbPrivilege');
  await click(page, '#rt-add');
  await page.waitForSelector('#dlg-add[open]');
  await page.select('#add-from', 'CORP');
  await page.waitForFunction(() => [...document.querySelectorAll('#add-names option')].some((o) => o.value === 'CORP\\EXCHSVC'));
  await page.select('#add-names', 'CORP\\EXCHSVC');
  await click(page, '#add-add');
  await click(page, '#add-ok');
  await page.waitForFunction(() => [...document.querySelectorAll('#rt-grant option')].some((o) => o.value === 'CORP\\EXCHSVC'));
  await click(page, '#rt-ok');
  await page.waitForSelector('#dlg-rights:not([open])');
}

/* Services on EXCHSRV: stop and start the store (its token is taken anew). */
async function restartStore(page) {
  await click(page, '[data-open="win-services"]');
  await page.waitForFunction(() => [...document.querySelectorAll('#sv-list tbody tr')].some((tr) => tr.dataset.key === 'MSExchangeIS'));
  if ((await page.$eval('#sv-machine', (e) => e.value)) !== 'EXCHSRV') fail('Services is not on EXCHSRV');
  const state = (want) => page.waitForFunction((w) => {
    const tr = [...document.querySelectorAll('#sv-list tbody tr')].find((r) => r.dataset.key === 'MSExchangeIS');
    return tr && tr.cells[1].textContent === w;
  }, { timeout: 8000 }, want);
  await page.click('#sv-list tbody tr[data-key="MSExchangeIS"]');
  await click(page, '#sv-stop');
  await state('');
  await page.click('#sv-list tbody tr[data-key="MSExchangeIS"]');
  await click(page, '#sv-start');
  await state('Started');
}

async function main() {
  mkdirSync(SHOTS, { recursive: true });
  const pop = await freePort(), http = await freePort();
  ntlab('exercise', 'start', 'q189732', lab);
  ntlab('-C', lab, 'up', '--listen', `127.0.0.1:${pop}`, '--http', `127.0.0.1:${http}`);
  up = true;
  const token = readFileSync(join(lab, 'console.secret'), 'utf8').trim();
  const base = `http://127.0.0.1:${http}`;
  log(`exercise lab up: POP3 ${pop}, console ${base}`);

  // the keys stay refused inside the daemon, whatever the page asks
  const r = await fetch(`${base}/api/v1/exercise/solution?token=${token}`,
    { method: 'POST', headers: { Origin: base } });
  if (r.status !== 404) fail(`POST exercise/solution: ${r.status}`);

  browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-dev-shm-usage'],
  });
  const page = await browser.newPage();
  page.setDefaultTimeout(8000);
  await page.setViewport({ width: 1100, height: 900 });
  page.on('console', (m) => { if (m.type() === 'error') errors.push('console: ' + m.text()); });
  page.on('response', (x) => { if (x.status() >= 400) errors.push(`HTTP ${x.status()}: ${x.request().method()} ${x.url().replace(/token=\w+/, 'token=...')}`); });
  page.on('pageerror', (e) => errors.push('page error: ' + e.message));
  page.on('requestfailed', (x) => {
    if (!x.url().includes('/api/v1/live')) errors.push(`request failed: ${x.url()} ${x.failure().errorText}`);
  });
  await page.goto(`${base}/?token=${token}`, { waitUntil: 'load' });
  await page.waitForFunction(() => document.querySelector('#live').textContent === 'live');

  await click(page, '#open-exercise');
  await page.waitForFunction(() => document.querySelector('#ex-story').textContent.includes('alice reports'));
  if (!(await text(page, '#ex-title')).includes('A required privilege is not held')) fail('no exercise title');
  await snap(page, 'story');

  let score = await check(page);
  if (score !== 'Score: 0/4 (0 %)') fail(`first check: "${score}"`);
  const goals = await page.$$eval('#ex-goals li', (l) => l.map((e) => e.className));
  if (goals.length !== 4 || goals.some((c) => c !== 'unmet')) fail(`first check goals: ${goals}`);
  const next = await text(page, '#ex-next');
  if (!next.includes('Act as part of the operating system')) fail(`first check, hint: "${next}"`);
  await click(page, '#ex-hint');
  await page.waitForFunction(() => document.querySelectorAll('#ex-hints li').length === 1);
  if (!(await text(page, '#ex-hints li')).includes('Who is the caller here?')) fail('Hint: not the first hint');
  log(`check: ${score}; ${next}`);
  await snap(page, 'check-unmet-hint');

  await grantTcb(page);
  // the grant alone: the store's token is the one it took at start
  score = await check(page);
  const after = await page.$$eval('#ex-goals li', (l) => l.map((e) => e.className));
  if (after[0] !== 'met' || after[1] !== 'unmet') fail(`check after the grant: "${score}" ${after}`);
  log(`check after the grant, before the restart: ${score} (store-token unmet)`);
  await snap(page, 'check-after-grant');
  await restartStore(page);
  score = await check(page);
  const all = await page.$$eval('#ex-goals li', (l) => l.map((e) => e.textContent[0]));
  if (score !== 'Score: 4/4 (100 %)' || all.join('') !== '\u2713\u2713\u2713\u2713')
    fail(`final check: "${score}" ${all}`);
  const expl = await text(page, '#ex-explanation');
  if (!expl.includes('Q189732') || !expl.includes('SeTcbPrivilege')) fail(`explanation: "${expl}"`);
  log(`check: ${score}; explanation names Q189732`);
  await snap(page, 'all-met');

  if (errors.length) fail('browser errors:\n  ' + errors.join('\n  '));
  log('exercise panel: unmet with hint, fixed by clicking, all met; no browser error');
}

try {
  await main();
} catch (e) {
  console.error('FAIL exercise console test: ' + e.message + '\n' + (e.stack || '').split('\n').filter((s) => s.includes('exercise.mjs')).join('\n'));
  if (errors.length) console.error('browser errors:\n  ' + errors.join('\n  '));
  process.exitCode = 1;
  try { console.error('ntlab.log (tail):\n' + readFileSync(join(lab, 'ntlab.log'), 'utf8').split('\n').slice(-40).join('\n')); } catch (x) { /* no log */ }
} finally {
  if (browser) await browser.close().catch(() => {});
  if (up) { try { ntlab('-C', lab, 'down'); } catch (e) { console.error('ntlab down: ' + e.message); process.exitCode = 1; } }
  rmSync(dir, { recursive: true, force: true });
}
