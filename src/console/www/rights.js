/* Policies -> User Rights (User Manager for Domains): the right drop-down
 * (the advanced ones only with "Show Advanced User Rights" ticked, as in
 * NT 4.0), its Grant To list, Add... (Add Users and Groups, names listed
 * from a domain or computer) and Remove. As in NT, nothing is written
 * until OK; then each change is one grant or revoke, the LSA calls of
 * `ntlab rights`, in the focus User -> Select Domain chose. */
'use strict';
(() => {
  const { $, api, enc, el } = NT;
  let rights = [], holders = {}, before = {};

  function fillRights() {
    const adv = $('rt-advanced').checked, sel = $('rt-right'), keep = sel.value;
    const shown = rights.filter((r) => adv || !r.advanced);
    sel.replaceChildren(...shown.map((r) => el('option', r.display, { value: r.name })));
    if (shown.some((r) => r.name === keep)) sel.value = keep;
    fillGrant();
  }
  function fillGrant() {
    const list = holders[$('rt-right').value] || [];
    $('rt-grant').replaceChildren(...list.map((n) => el('option', n, { value: n })));
  }

  async function open() {
    const focus = NT.usrmgr.focus;
    const r = await api('GET', 'rights/' + enc(focus));
    rights = r.rights;
    holders = {};
    before = {};
    rights.forEach((x) => {
      holders[x.name] = x.holders.map((h) => h.name);
      before[x.name] = holders[x.name].slice();
    });
    $('rt-focus').textContent = r.focus;
    fillRights();
    NT.showDialog('dlg-rights');
  }

  function remove() {
    const g = $('rt-grant');
    if (!g.value) return;
    const list = holders[$('rt-right').value];
    list.splice(list.indexOf(g.value), 1);
    fillGrant();
  }

  /* Add Users and Groups: names from a domain or computer. */
  async function addOpen() {
    const f = await api('GET', 'focuses'), from = $('add-from');
    from.replaceChildren(...f.focuses.map((x) => el('option', x.focus, { value: x.focus })));
    from.value = NT.usrmgr.focus;
    if (!from.value) from.value = f.focuses[0].focus;
    $('add-chosen').value = '';
    await addList();
    NT.showDialog('dlg-add');
  }
  async function addList() {
    const a = await api('GET', 'accounts/' + enc($('add-from').value));
    $('add-names').replaceChildren(...a.accounts.map((x) =>
      el('option', x.name + (x.kind === 'user' ? '' : '  (' + x.kind + ')'), { value: x.name })));
  }
  function addPick() {
    const v = $('add-names').value, box = $('add-chosen');
    if (!v) return;
    const now = box.value.split(';').map((s) => s.trim()).filter(Boolean);
    if (!now.includes(v)) now.push(v);
    box.value = now.join('; ');
  }
  function addOk() {
    const list = holders[$('rt-right').value];
    $('add-chosen').value.split(';').map((s) => s.trim()).filter(Boolean).forEach((n) => {
      if (!list.includes(n)) list.push(n);
    });
    $('dlg-add').close();
    fillGrant();
  }

  /* OK: the grants and revokes, one call each; the first failure stops
   * and is shown (what was written before it stays, as in NT). */
  async function ok() {
    const focus = enc(NT.usrmgr.focus);
    for (const r of rights) {
      const was = before[r.name], now = holders[r.name];
      for (const n of now.filter((x) => !was.includes(x)))
        await api('POST', 'rights/' + focus + '/grant', { account: n, rights: [r.name] });
      for (const n of was.filter((x) => !now.includes(x)))
        await api('POST', 'rights/' + focus + '/revoke', { account: n, rights: [r.name] });
    }
    $('dlg-rights').close();
  }

  const wrap = (f, title) => () => f().catch((e) => NT.failed(title, e));
  NT.tool('dlg-rights', {
    title: 'User Rights Policy',
    init() {
      $('um-rights').addEventListener('click', wrap(open, 'User Rights Policy'));
      $('rt-advanced').addEventListener('change', fillRights);
      $('rt-right').addEventListener('change', fillGrant);
      $('rt-remove').addEventListener('click', remove);
      $('rt-add').addEventListener('click', wrap(addOpen, 'Add Users and Groups'));
      $('add-from').addEventListener('change', wrap(addList, 'Add Users and Groups'));
      $('add-add').addEventListener('click', addPick);
      $('add-names').addEventListener('dblclick', addPick);
      $('add-ok').addEventListener('click', addOk);
      $('rt-ok').addEventListener('click', wrap(ok, 'User Rights Policy'));
    },
  });
})();
