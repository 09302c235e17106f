// Save as scenario in a real browser (issue 19): Debian's chromium, driven
// by puppeteer-core, clicks the console's "Save as scenario" on a lab
// served by `ntlab up --http`; the file chromium downloads (CDP
// Browser.setDownloadBehavior into a fresh directory) must equal `ntlab
// export` byte for byte, and `ntlab run` of it must pass.
// Usage: node save.mjs NTLAB   (make console-test)
import puppeteer from 'puppeteer-core';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const NTLAB = resolve(process.argv[2] || 'build/ntlab');
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
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const dir = mkdtempSync(join(tmpdir(), 'ntlab-save-'));
const lab = join(dir, 'lab'), downloads = join(dir, 'downloads');
let browser = null, up = false;
const errors = [];

async function main() {
  const pop = await freePort(), http = await freePort();
  ntlab('init', lab, '--preset', 'q189732');
  ntlab('-C', lab, 'up', '--listen', `127.0.0.1:${pop}`, '--http', `127.0.0.1:${http}`);
  up = true;
  const token = readFileSync(join(lab, 'console.secret'), 'utf8').trim();
  const base = `http://127.0.0.1:${http}`;
  browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-dev-shm-usage'],
  });
  const cdp = await browser.target().createCDPSession();
  await cdp.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: downloads, eventsEnabled: true });
  const page = await browser.newPage();
  page.setDefaultTimeout(8000);
  page.on('console', (m) => { if (m.type() === 'error') errors.push('console: ' + m.text()); });
  page.on('pageerror', (e) => errors.push('page error: ' + e.message));
  page.on('response', (r) => { if (r.status() >= 400) errors.push(`HTTP ${r.status()}: ${r.url().replace(/token=\w+/, 'token=...')}`); });
  await page.goto(`${base}/?token=${token}`, { waitUntil: 'load' });
  await page.waitForFunction(() => document.querySelector('#live').textContent === 'live');

  // the same second as ntlab export (the lab's clock runs): retried
  let same = false, got = '', want = '';
  for (let i = 0; i < 3 && !same; i++) {
    rmSync(downloads, { recursive: true, force: true });
    await page.click('#save-scenario');
    const f = join(downloads, 'lab.scn');
    for (let w = 0; w < 100 && !existsSync(f); w++) await sleep(50);
    if (!existsSync(f)) fail(`no download: ${existsSync(downloads) ? readdirSync(downloads) : 'no directory'}`);
    got = readFileSync(f, 'utf8');
    want = ntlab('-C', lab, 'export');
    same = got === want;
  }
  if (!same) fail(`the download differs from ntlab export:\n${got.slice(0, 400)}\n---\n${want.slice(0, 400)}`);
  log(`downloaded lab.scn (${got.length} bytes) == ntlab export`);
  const run = ntlab('run', join(downloads, 'lab.scn'));
  if (!/1 passed, 0 failed/.test(run)) fail(`ntlab run: ${run}`);
  log('ntlab run lab.scn: 1 passed');
  if (errors.length) fail(errors.join('\n'));
}

try {
  await main();
  log('save: ok');
} catch (e) {
  console.error('save: FAILED: ' + e.message);
  process.exitCode = 1;
} finally {
  if (browser) await browser.close();
  if (up) { try { ntlab('-C', lab, 'down'); } catch (e) { console.error('ntlab down: ' + e.message); process.exitCode = 1; } }
  rmSync(dir, { recursive: true, force: true });
}
