// Save as scenario in a real browser (issue 19): Debian's chromium, driven
// by puppeteer-core, clicks the console's "Save as scenario" on a lab
// served by `ntlab up --http`; the file chromium downloads (CDP
// Browser.setDownloadBehavior into a fresh directory) must equal `ntlab
// export` byte for byte, and `ntlab run` of it must pass.
// Usage: node save.mjs NTLAB   (make console-test)
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ConsoleLab, fail, log, ntlab, sleep } from './lib.mjs';

const t = new ConsoleLab('ntlab-save-');
const downloads = join(t.dir, 'downloads');

async function main() {
  await t.start((lab) => ['init', lab, '--preset', 'q189732']);
  const browser = await t.launch();
  const cdp = await browser.target().createCDPSession();
  await cdp.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: downloads, eventsEnabled: true });
  // the download ends the click's request: not a failure here
  const page = await t.open({ failedRequests: false });
  // the same second as ntlab export (the lab's clock runs): retried
  let same = false, got = '', want = '';
  for (let i = 0; i < 3 && !same; i++) {
    rmSync(downloads, { recursive: true, force: true });
    await page.click('#save-scenario');
    const f = join(downloads, 'lab.scn');
    for (let w = 0; w < 100 && !existsSync(f); w++) await sleep(50);
    if (!existsSync(f)) fail(`no download: ${existsSync(downloads) ? readdirSync(downloads) : 'no directory'}`);
    got = readFileSync(f, 'utf8');
    want = ntlab('-C', t.lab, 'export');
    same = got === want;
  }
  if (!same) fail(`the download differs from ntlab export:\n${got.slice(0, 400)}\n---\n${want.slice(0, 400)}`);
  log(`downloaded lab.scn (${got.length} bytes) == ntlab export`);
  const run = ntlab('run', join(downloads, 'lab.scn'));
  if (!/1 passed, 0 failed/.test(run)) fail(`ntlab run: ${run}`);
  log('ntlab run lab.scn: 1 passed');
  t.noErrors();
  log('save: ok');
}

await t.run('save', 'save.mjs', main);
