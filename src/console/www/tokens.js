/* Token Inspector: for each running service, the privileges in its token
 * (taken when it started) next to what the policy would give it now; a
 * difference is marked, the lesson of KB Q189732: the policy is live, the
 * token a snapshot. The server computes the difference (the service's
 * drift); this page only lays it out. */
'use strict';
(() => {
  const { $, api, enc, el } = NT;

  function table(s) {
    const t = s.token, have = t.privileges.map((p) => p.name);
    const add = t.drift.granted_since || [], drop = t.drift.revoked_since || [];
    const names = [...new Set([...have, ...add, ...drop])].sort();
    const tab = el('table', null, { class: 'list' });
    tab.appendChild(el('caption', s.display + ' (' + s.name + ') as ' + t.domain + '\\' + t.user +
      ', started ' + new Date(t.logon_time * 1000).toLocaleString()));
    const head = el('tr');
    ['Privilege or right', 'In the token', 'Policy now', ''].forEach((h) => head.appendChild(el('th', h, { scope: 'col' })));
    tab.appendChild(el('thead')).appendChild(head);
    const body = tab.appendChild(el('tbody'));
    names.forEach((n) => {
      const inTok = have.includes(n), now = (inTok && !drop.includes(n)) || add.includes(n);
      const tr = body.appendChild(el('tr'));
      tr.appendChild(el('td', n));
      tr.appendChild(el('td', inTok ? 'yes' : 'no'));
      tr.appendChild(el('td', now ? 'yes' : 'no'));
      const note = add.includes(n) ? 'granted after the service started: takes effect at restart'
        : drop.includes(n) ? 'revoked after the service started: the token keeps it until restart' : '';
      tr.appendChild(el('td', note, note ? { class: 'drift' } : {}));
    });
    if (t.drift.unknown_win32) body.appendChild(el('tr')).appendChild(el('td', 'policy now: unknown (error ' + t.drift.unknown_win32 + ')'));
    return tab;
  }

  async function refresh() {
    const box = $('tk-list'), out = [];
    for (const m of await NT.machines()) {
      if (!m.running) continue;
      const svcs = await api('GET', 'machines/' + enc(m.name) + '/services');
      svcs.filter((s) => s.token).forEach((s) => {
        const sec = el('section', null, { class: 'token', 'aria-label': m.name + ' ' + s.name });
        sec.appendChild(el('h3', '\\\\' + m.name + ': ' + s.display));
        sec.appendChild(table(s));
        out.push(sec);
      });
    }
    if (!out.length) out.push(el('p', 'No service is running.'));
    box.replaceChildren(...out);
  }

  NT.tool('win-tokens', {
    title: 'Token Inspector',
    open: refresh,
    live(kind) {
      if (['rights', 'service', 'machine'].includes(kind) && NT.shown('win-tokens')) refresh().catch(() => {});
    },
  });
})();
