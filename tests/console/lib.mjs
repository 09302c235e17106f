// What the console's real-browser tests (founding.mjs, save.mjs,
// exercise.mjs) share: the ntlab binary from argv, a temporary lab served by
// `ntlab up --http` on free ports, Debian's chromium through puppeteer-core,
// the collection of browser errors, the failure report and the teardown.
import puppeteer from 'puppeteer-core';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const NTLAB = resolve(process.argv[2] || 'build/ntlab');
export const SHOTS = resolve(process.argv[3] || 'build/console');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const t0 = Date.now();
export const log = (m) => console.log(`[${((Date.now() - t0) / 1000).toFixed(1)}s] ${m}`);
export function fail(m) { throw new Error(m); }
export const ntlab = (...a) => execFileSync(NTLAB, a, { encoding: 'utf8' });
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// tests/freeport.py says why not listen(0); record: never one port twice
const FREEPORT = resolve(dirname(fileURLToPath(import.meta.url)), '../freeport.py');
const freePort = (record) => Number(execFileSync('python3', [FREEPORT, record], { encoding: 'utf8' }));

export async function click(page, sel) {
  await page.waitForSelector(sel, { visible: true });
  await page.click(sel);
}

/* User Rights' Add... dialog, open: picks account from the From list's
 * domain, Add, OK; waits until the Grant To list shows it. */
export async function addAccount(page, from, account) {
  await page.waitForSelector('#dlg-add[open]');
  await page.select('#add-from', from);
  await page.waitForFunction((a) => [...document.querySelectorAll('#add-names option')].some((o) => o.value === a), {}, account);
  await page.select('#add-names', account);
  await click(page, '#add-add');
  await click(page, '#add-ok');
  await page.waitForFunction((a) => [...document.querySelectorAll('#rt-grant option')].some((o) => o.value === a), {}, account);
}

/* snap(page, step) keeps SHOTS/PREFIXNN-step.png, numbered per test. */
export function snapper(prefix) {
  mkdirSync(SHOTS, { recursive: true });
  let shot = 0;
  return async (page, step) => {
    shot++;
    const f = join(SHOTS, `${prefix}${String(shot).padStart(2, '0')}-${step}.png`);
    await page.screenshot({ path: f, fullPage: true });
    log(`screenshot ${f}`);
  };
}

/* One test's lab in a fresh temporary directory (mkdtemp PREFIX). */
export class ConsoleLab {
  constructor(prefix) {
    this.dir = mkdtempSync(join(tmpdir(), prefix));
    this.lab = join(this.dir, 'lab');
    this.browser = null;
    this.up = false;
    this.errors = [];
  }

  /* Creates the lab with `ntlab ...create(LAB)`, starts the daemon on two
   * free ports; sets pop, base (the console's URL) and token (its secret). */
  async start(create) {
    const pop = freePort(join(this.dir, '.ports')), http = freePort(join(this.dir, '.ports'));
    ntlab(...create(this.lab));
    ntlab('-C', this.lab, 'up', '--listen', `127.0.0.1:${pop}`, '--http', `127.0.0.1:${http}`);
    this.up = true;
    this.pop = pop;
    this.token = readFileSync(join(this.lab, 'console.secret'), 'utf8').trim();
    this.base = `http://127.0.0.1:${http}`;
  }

  async launch() {
    this.browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-dev-shm-usage'],
    });
    return this.browser;
  }

  /* A page on the console, live, whose console errors, page errors, HTTP
   * errors and (unless failedRequests is false: a download ends its
   * request) failed requests other than the live stream, which the closing
   * browser cuts, go to this.errors. */
  async open({ viewport = null, failedRequests = true } = {}) {
    const page = await this.browser.newPage();
    page.setDefaultTimeout(8000);
    if (viewport) await page.setViewport(viewport);
    const errors = this.errors;
    page.on('console', (m) => { if (m.type() === 'error') errors.push('console: ' + m.text()); });
    page.on('response', (r) => { if (r.status() >= 400) errors.push(`HTTP ${r.status()}: ${r.request().method()} ${r.url().replace(/token=\w+/, 'token=...')}`); });
    page.on('pageerror', (e) => errors.push('page error: ' + e.message));
    if (failedRequests) {
      page.on('requestfailed', (r) => {
        if (!r.url().includes('/api/v1/live')) errors.push(`request failed: ${r.url()} ${r.failure().errorText}`);
      });
    }
    await page.goto(`${this.base}/?token=${this.token}`, { waitUntil: 'load' });
    await page.waitForFunction(() => document.querySelector('#live').textContent === 'live');
    return page;
  }

  noErrors() {
    if (this.errors.length) fail('browser errors:\n  ' + this.errors.join('\n  '));
  }

  /* Runs main(); on failure reports what (the stack lines of FILE), the
   * browser errors, diagnose()'s text and the daemon log's tail, and sets
   * the exit code. Always: browser closed, daemon down, directory gone. */
  async run(name, file, main, diagnose = null) {
    try {
      await main();
    } catch (e) {
      console.error(`FAIL ${name}: ` + e.message + '\n' + (e.stack || '').split('\n').filter((s) => s.includes(file)).join('\n'));
      if (this.errors.length) console.error('browser errors:\n  ' + this.errors.join('\n  '));
      process.exitCode = 1;
      try { if (diagnose) console.error(diagnose()); } catch (x) { /* daemon gone */ }
      try { console.error('ntlab.log (tail):\n' + readFileSync(join(this.lab, 'ntlab.log'), 'utf8').split('\n').slice(-40).join('\n')); } catch (x) { /* no log */ }
    } finally {
      if (this.browser) await this.browser.close().catch(() => {});
      if (this.up) { try { ntlab('-C', this.lab, 'down'); } catch (e) { console.error('ntlab down: ' + e.message); process.exitCode = 1; } }
      rmSync(this.dir, { recursive: true, force: true });
    }
  }
}
