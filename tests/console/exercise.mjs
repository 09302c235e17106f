// The Exercise panel's real-browser test (issue 16): a lab built by
// `ntlab exercise start q189732`, served by `ntlab up --http`; the panel's
// Check says ✗ with the first hint, the student fixes the lab through the
// console (User Rights in \\EXCHSRV's focus, then stop and start the store
// in Services), and Check says ✓ for every goal, 100 %, with the
// explanation of Q189732.
// Usage: node exercise.mjs NTLAB SHOTDIR   (make console-test)
// Fails on any browser console error, page error or failed request; keeps
// a screenshot of each step in SHOTDIR/ex-NN-step.png.
import { ConsoleLab, addAccount, click, fail, log, snapper } from './lib.mjs';

const t = new ConsoleLab('ntlab-console-ex-');
const snap = snapper('ex-');

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
  await addAccount(page, 'CORP', 'CORP\\EXCHSVC');
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
  // The live view redraws the list on every change (a row can be replaced
  // between finding it and clicking it): click the row in the page until
  // it is the selected one (the selection survives redraws).
  const select = () => page.waitForFunction(() => {
    const tr = document.querySelector('#sv-list tbody tr[data-key="MSExchangeIS"]');
    if (tr && tr.getAttribute('aria-selected') !== 'true') tr.click();
    return tr && tr.getAttribute('aria-selected') === 'true';
  }, { timeout: 8000 });
  await select();
  await click(page, '#sv-stop');
  await state('');
  await select();
  await click(page, '#sv-start');
  await state('Started');
}

async function main() {
  await t.start((lab) => ['exercise', 'start', 'q189732', lab]);
  const base = t.base;
  log(`exercise lab up: POP3 ${t.pop}, console ${base}`);

  // the keys stay refused inside the daemon, whatever the page asks
  const r = await fetch(`${base}/api/v1/exercise/solution?token=${t.token}`,
    { method: 'POST', headers: { Origin: base } });
  if (r.status !== 404) fail(`POST exercise/solution: ${r.status}`);

  await t.launch();
  const page = await t.open({ viewport: { width: 1100, height: 900 } });

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

  t.noErrors();
  log('exercise panel: unmet with hint, fixed by clicking, all met; no browser error');
}

await t.run('exercise console test', 'exercise.mjs', main);
