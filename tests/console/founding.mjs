// The teaching console's real-browser test (issue 15): Debian's chromium,
// driven through the DevTools protocol by puppeteer-core, does KB Q189732's
// founding exercise by clicking, on a lab served by `ntlab up --http`.
// Usage: node founding.mjs NTLAB SHOTDIR   (make console-test)
// Fails on any browser console error, page error or failed request; keeps
// a screenshot of each step in SHOTDIR/NN-step.png.
import { ConsoleLab, addAccount, click, fail, log, ntlab, snapper } from './lib.mjs';

const t = new ConsoleLab('ntlab-console-');
const snap = snapper('');

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
  await addAccount(page, 'CORP', 'CORP\\EXCHSVC');
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
  await t.start((lab) => ['init', lab, '--preset', 'q189732']);
  log(`lab up: POP3 ${t.pop}, console ${t.base}`);
  await refusals(t.base, t.token);
  await t.launch();
  const page = await t.open({ viewport: { width: 1100, height: 800 } });
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

  t.noErrors();
  log('founding exercise done by clicking; no browser error');
}

const lab = t.lab;
await t.run('console test', 'founding.mjs', main, () =>
  ntlab('-C', lab, 'service', 'list', '--tokens', '--machine', 'EXCHSRV') +
  ntlab('-C', lab, 'rights', 'list', 'CORP\\EXCHSVC', '--focus', '\\\\EXCHSRV'));
