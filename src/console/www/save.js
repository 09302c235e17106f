/* File -> Save as scenario (issue 19): GET /api/v1/export, the lab as
 * `ntlab export` writes it now, saved under the name the server gives
 * (LAB.scn). The download goes through a blob URL so that a refusal (a
 * corrupt lab file: FILE:LINE) shows as NT's message box, not a file. */
'use strict';
(() => {
  async function save() {
    const r = await fetch('/api/v1/export', { headers: { 'X-Ntlab-Token': NT.token } });
    if (!r.ok) {
      let j;
      try { j = await r.json(); } catch (e) { j = { error: 'HTTP ' + r.status }; }
      throw new Error(j.error || 'HTTP ' + r.status);
    }
    const cd = r.headers.get('Content-Disposition') || '';
    const m = /filename="([A-Za-z0-9._-]+)"/.exec(cd);
    const url = URL.createObjectURL(await r.blob());
    const a = NT.el('a', null, { href: url, download: m ? m[1] : 'lab.scn' });
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }
  document.addEventListener('DOMContentLoaded', () => {
    const b = NT.$('save-scenario');
    b.addEventListener('click', () => save().catch((e) => NT.failed('Save as scenario', e)));
  });
})();
