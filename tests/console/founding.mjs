// The teaching console's real-browser test (issue 15): Debian's chromium,
// driven through the DevTools protocol by puppeteer-core, does KB Q189732's
// founding exercise by clicking, on a lab served by `ntlab up --http`.
// Usage: node founding.mjs NTLAB SHOTDIR   (make console-test)
// Fails on any browser console error, page error or failed request; keeps
// a screenshot of each step in SHOTDIR/NN-step.png.
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

const dir = mkdtempSync(join(tmpdir(), 'ntlab-console-'));
const lab = join(dir, 'lab');
let browser = null, up = false;
const errors = [];

async function refusals(base, token) {
  // no secret: refused, and the page says where the URL is
  let r = await fetch(base + '/');
  if (r.status !== 401) fail(`GET / without the token: ${r.status}`);
  r = await fetch(base + '/?token=' + 'f'.repeat(32));
  if (r.status !== 403) fail(`GET / with a wrong token: ${r.status}`);
  // a restart from a foreign page: refused, the machine keeps running
  const restart = `${base}/api/v1/machines/EXCHSRV/restart?token=${token}`;
  r = await fetch(restart, { method: 'POST', headers: { Origin: 'http://evil.example' } });
  if (r.status !== 403) fail(`POST with a foreign Origin: ${r.status}`);
  // the static files need no token, and carry the strict CSP
  r = await fetch(base + '/static/app.js');
  const csp = r.headers.get('content-security-policy') || '';
  if (r.status !== 200 || !csp.includes("script-src 'self'") || csp.includes('unsafe'))
    fail(`static file: ${r.status} CSP "${csp}"`);
  r = await fetch(base + '/static/..%2fconsole.secret');
  if (r.status !== 404) fail(`traversal: ${r.status}`);
  log('refusals: no token 401, wrong token 403, foreign Origin 403, traversal 404');
}

let shot = 0;
async function snap(page, step) {
  shot++;
  const f = join(SHOTS, `${String(shot).padStart(2, '0')}-${step}.png`);
  await page.screenshot({ path: f, fullPage: true });
  log(`screenshot ${f}`);
}

async function click(page, sel) {
  await page.waitForSelector(sel, { visible: true });
  await page.click(sel);
}

/* Opens the terminal on EXCHSRV, logs alice on, waits for `want`. */
async function pop3Logon(page, want) {
  await click(page, '[data-open="win-terminal"]');
  await page.waitForFunction(() => [...document.querySelectorAll('#tm-machine option')].some((o) => o.value === 'EXCHSRV'));
  await page.select('#tm-machine', 'EXCHSRV');
  await click(page, '#tm-connect');
  await page.waitForFunction(() => document.querySelector('#tm-screen').textContent.includes('ready'), { timeout: 5000 });
  for (const line of ['User CORP\\alice\\alice', 'Pass Passw0rd']) {
    await page.type('#tm-line', line);
    await page.keyboard.press('Enter');
    await new Promise((r) => setTimeout(r, 100));
  }
  await page.waitForFunction((w) => document.querySelector('#tm-screen').textContent.includes(w),
    { timeout: 5000 }, want).catch(async () => {
    fail(`terminal: no "${want}" in: ${await page.$eval('#tm-screen', (e) => e.textContent)}`);
  });
}

async function disconnect(page) {
  await click(page, '#tm-disconnect');
  await page.waitForSelector('#tm-connect:not([disabled])');
  await page.$eval('#tm-screen', (e) => { e.textContent = ''; });
}

/* User Manager, focus already chosen: Policies -> User Rights, advanced,
 * "Act as part of the operating system", Add... CORP\EXCHSVC, OK, OK. */
async function grantTcb(page) {
  await click(page, '#m-policies');
  await click(page, '#um-rights');
  await page.waitForSelector('#dlg-rights[open]');
  // "Show Advanced User Rights" by keyboard: Space on the focused box
  await page.focus('#rt-advanced');
  if (!(await page.$eval('#rt-advanced', (e) => e.checked))) await page.keyboard.press('Space');
  const picked = await page.select('#rt-right', 'SeTcbPrivilege');
  if (picked[0] !== 'SeTcbPrivilege') fail('no "Act as part of the operating system" in the Right list');
  await click(page, '#rt-add');
  await page.waitForSelector('#dlg-add[open]');
  await page.select('#add-from', 'CORP');
  await page.waitForFunction(() => [...document.querySelectorAll('#add-names option')].some((o) => o.value === 'CORP\\EXCHSVC'));
  await page.select('#add-names', 'CORP\\EXCHSVC');
  await click(page, '#add-add');
  await click(page, '#add-ok');
  await page.waitForFunction(() => [...document.querySelectorAll('#rt-grant option')].some((o) => o.value === 'CORP\\EXCHSVC'));
  await snap(page, 'user-rights-' + (await page.$eval('#rt-focus', (e) => e.textContent)).replace(/\W/g, ''));
  await click(page, '#rt-ok');
  await page.waitForSelector('#dlg-rights:not([open])');
}

async function selectDomain(page, focus) {
  await click(page, '[data-open="win-usrmgr"]');
  await click(page, '#m-user');
  await click(page, '#um-select');
  await page.waitForSelector('#dlg-domain[open]');
  await page.select('#dom-list', focus);
  await click(page, '#dom-ok');
  await page.waitForFunction((f) => document.querySelector('#um-focus').textContent === f, {}, focus);
}

async function restart(page) {
  await click(page, '#open-shutdown');
  await page.waitForSelector('#dlg-shutdown[open]');
  await page.select('#sd-machine', 'EXCHSRV');
  await page.click('input[name="sd-what"][value="restart"]');
  await click(page, '#sd-yes');
  await page.waitForSelector('#dlg-shutdown:not([open])', { timeout: 10000 });
  await page.waitForFunction(() => document.querySelector('#live').textContent.includes('restarted'));
}

async function main() {
  mkdirSync(SHOTS, { recursive: true });
  const pop = await freePort(), http = await freePort();
  ntlab('init', lab, '--preset', 'q189732');
  ntlab('-C', lab, 'up', '--listen', `127.0.0.1:${pop}`, '--http', `127.0.0.1:${http}`);
  up = true;
  const token = readFileSync(join(lab, 'console.secret'), 'utf8').trim();
  const base = `http://127.0.0.1:${http}`;
  log(`lab up: POP3 ${pop}, console ${base}`);
  await refusals(base, token);

  browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-dev-shm-usage'],
  });
  const page = await browser.newPage();
  page.setDefaultTimeout(8000);
  await page.setViewport({ width: 1100, height: 800 });
  page.on('console', (m) => { if (m.type() === 'error') errors.push('console: ' + m.text()); });
  page.on('response', (r) => { if (r.status() >= 400) errors.push(`HTTP ${r.status()}: ${r.request().method()} ${r.url().replace(/token=\w+/, 'token=...')}`); });
  page.on('pageerror', (e) => errors.push('page error: ' + e.message));
  page.on('requestfailed', (r) => {
    // the live stream is cut when the browser closes; anything else is a failure
    if (!r.url().includes('/api/v1/live')) errors.push(`request failed: ${r.url()} ${r.failure().errorText}`);
  });
  await page.goto(`${base}/?token=${token}`, { waitUntil: 'load' });
  await page.waitForFunction(() => document.querySelector('#live').textContent === 'live');
  await snap(page, 'console');

  await pop3Logon(page, '-Err A required privilege is not held by the client');
  await snap(page, 'terminal-privilege-not-held');
  await disconnect(page);

  await selectDomain(page, 'CORP');
  await grantTcb(page);
  await restart(page);
  await pop3Logon(page, '-Err A required privilege is not held by the client');
  await snap(page, 'domain-focus-still-fails');
  await disconnect(page);

  await selectDomain(page, '\\\\EXCHSRV');
  await grantTcb(page);
  await click(page, '[data-open="win-tokens"]');
  await page.waitForFunction(() => [...document.querySelectorAll('#tk-list tr')].some((tr) =>
    tr.cells[0].textContent === 'SeTcbPrivilege' && tr.textContent.includes('granted after the service started: takes effect at restart')));
  await snap(page, 'token-inspector-drift');
  await restart(page);
  await pop3Logon(page, '+OK User successfully logged on');
  await snap(page, 'logged-on');
  await disconnect(page);

  if (errors.length) fail('browser errors:\n  ' + errors.join('\n  '));
  log('founding exercise done by clicking; no browser error');
}

try {
  await main();
} catch (e) {
  console.error('FAIL console test: ' + e.message + '\n' + (e.stack || '').split('\n').filter((s) => s.includes('founding.mjs')).join('\n'));
  if (errors.length) console.error('browser errors:\n  ' + errors.join('\n  '));
  process.exitCode = 1;
  try { console.error(ntlab('-C', lab, 'service', 'list', '--tokens', '--machine', 'EXCHSRV') + ntlab('-C', lab, 'rights', 'list', 'CORP\\EXCHSVC', '--focus', '\\\\EXCHSRV')); } catch (x) { /* daemon gone */ }
  try { console.error('ntlab.log (tail):\n' + readFileSync(join(lab, 'ntlab.log'), 'utf8').split('\n').slice(-40).join('\n')); } catch (x) { /* no log */ }
} finally {
  if (browser) await browser.close().catch(() => {});
  if (up) { try { ntlab('-C', lab, 'down'); } catch (e) { console.error('ntlab down: ' + e.message); process.exitCode = 1; } }
  rmSync(dir, { recursive: true, force: true });
}
