/* User Manager for Domains: the focus's users and groups, User -> New
 * User / Properties (flags, logon hours), User -> Select Domain,
 * Policies -> Account. (Policies -> User Rights: rights.js.) Every change
 * is one API call, the SAM or LSA call `ntlab user` / `ntlab policy` make. */
'use strict';
(() => {
  const { $, api, enc, el } = NT;
  const UM = { focus: 'CORP' };
  let users, groups, editing = null, hours = null;
  const FLAGS = ['must_change', 'cant_change', 'password_never_expires', 'disabled', 'locked_out'];

  async function refresh() {
    $('um-focus').textContent = UM.focus;
    const [u, g] = await Promise.all([api('GET', 'users/' + enc(UM.focus)),
      api('GET', 'groups/' + enc(UM.focus))]);
    users.fill(u.users, (x) => [x.name, x.fullname, x.comment], (x) => x.name);
    groups.fill(g.groups, (x) => [x.name, x.comment], (x) => x.name);
  }

  async function selectDomain() {
    const f = await api('GET', 'focuses');
    const sel = $('dom-list');
    sel.replaceChildren(...f.focuses.map((x) => el('option', x.focus, { value: x.focus })));
    sel.value = UM.focus;
    $('dom-name').value = UM.focus;
    NT.showDialog('dlg-domain');
  }
  async function domainChosen() {
    const v = $('dom-name').value.trim();
    try {
      await api('GET', 'users/' + enc(v)); /* an unknown domain or computer: NT's message */
    } catch (e) {
      return NT.failed('Select Domain', e);
    }
    UM.focus = v;
    $('dlg-domain').close();
    await refresh();
  }

  /* New User (name NULL) or Properties of name. */
  async function userDialog(name) {
    editing = name;
    const u = name ? await api('GET', 'users/' + enc(UM.focus) + '/' + enc(name)) : {};
    $('us-title').textContent = name ? 'User Properties' : 'New User';
    $('us-name').value = name || '';
    $('us-name').readOnly = !!name;
    $('us-fullname').value = u.fullname || '';
    $('us-comment').value = u.comment || '';
    $('us-pw').value = $('us-pw2').value = '';
    FLAGS.forEach((f) => { $('us-' + f).checked = !!u[f]; });
    $('us-locked_out').disabled = !u.locked_out; /* NT: only ever cleared here */
    $('us-expires').value = u.expires ? new Date(u.expires * 1000).toISOString().slice(0, 10) : '';
    hours = u.logon_hours || null;
    NT.showDialog('dlg-user');
  }
  async function userSave() {
    const body = { fullname: $('us-fullname').value, comment: $('us-comment').value };
    FLAGS.forEach((f) => { body[f] = $('us-' + f).checked; });
    if (editing && !$('us-locked_out').disabled && body.locked_out) delete body.locked_out;
    if (!editing) delete body.locked_out;
    const d = $('us-expires').value;
    body.expires = d ? Math.floor(Date.parse(d + 'T00:00:00Z') / 1000) : 0;
    if (hours) body.logon_hours = hours;
    if ($('us-pw').value !== $('us-pw2').value)
      return NT.message('User Manager', 'The passwords you typed do not match. Type the new password in both text boxes.', 'stop');
    if ($('us-pw').value || !editing) body.password = $('us-pw').value;
    try {
      if (editing) await api('POST', 'users/' + enc(UM.focus) + '/' + enc(editing), body);
      else await api('POST', 'users/' + enc(UM.focus), Object.assign({ name: $('us-name').value.trim() }, body));
    } catch (e) {
      return NT.failed('User Manager', e);
    }
    $('dlg-user').close();
    await refresh();
  }

  /* Logon Hours: 168 checkboxes over the SAM's 21-byte week (bit day*24+hour,
   * least significant first), as 42 hex digits. */
  const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
  function hoursDialog() {
    const hex = hours || 'f'.repeat(42), grid = $('hr-grid');
    const bit = (i) => (parseInt(hex.substr((i >> 3) * 2, 2), 16) >> (i & 7)) & 1;
    grid.replaceChildren();
    const head = el('tr');
    head.appendChild(el('th'));
    for (let h = 0; h < 24; h++) head.appendChild(el('th', h, { scope: 'col' }));
    grid.appendChild(head);
    DAYS.forEach((day, d) => {
      const tr = el('tr');
      tr.appendChild(el('th', day.slice(0, 3), { scope: 'row' }));
      for (let h = 0; h < 24; h++) {
        const td = el('td'), cb = el('input', null, { type: 'checkbox', 'aria-label': day + ' ' + h + ':00' });
        cb.checked = !!bit(d * 24 + h);
        cb.dataset.bit = d * 24 + h;
        td.appendChild(cb);
        tr.appendChild(td);
      }
      grid.appendChild(tr);
    });
    NT.showDialog('dlg-hours');
  }
  function hoursSave() {
    const bytes = new Array(21).fill(0);
    $('hr-grid').querySelectorAll('input').forEach((cb) => {
      const i = Number(cb.dataset.bit);
      if (cb.checked) bytes[i >> 3] |= 1 << (i & 7);
    });
    hours = bytes.map((b) => b.toString(16).padStart(2, '0')).join('');
    $('dlg-hours').close();
  }

  /* Policies -> Account: the template's [System Access] keys. */
  async function policyDialog() {
    const p = await api('GET', 'policy/' + enc(UM.focus) + '/account');
    $('po-focus').textContent = p.focus;
    const box = $('po-fields');
    box.replaceChildren();
    Object.keys(p.account).forEach((k) => {
      const id = 'po-' + k;
      box.appendChild(el('label', k.replace(/([a-z])([A-Z])/g, '$1 $2') + ':', { for: id }));
      const i = el('input', null, { id, size: '8', inputmode: 'numeric' });
      i.value = p.account[k];
      i.dataset.key = k;
      box.appendChild(i);
    });
    NT.showDialog('dlg-policy');
  }
  async function policySave() {
    const account = {};
    for (const i of $('po-fields').querySelectorAll('input')) {
      const v = Number(i.value);
      if (!Number.isInteger(v))
        return NT.message('Account Policy', i.dataset.key + ': type a whole number.', 'stop');
      account[i.dataset.key] = v;
    }
    try {
      await api('POST', 'policy/' + enc(UM.focus) + '/account', { account });
    } catch (e) {
      return NT.failed('Account Policy', e);
    }
    $('dlg-policy').close();
  }

  const wrap = (f, title) => () => f().catch((e) => NT.failed(title, e));
  NT.usrmgr = UM;
  NT.tool('win-usrmgr', {
    title: 'User Manager',
    init() {
      users = NT.selectable($('um-users').tBodies[0], (tr) => wrap(() => userDialog(tr.dataset.key), 'User Manager')());
      groups = NT.selectable($('um-groups').tBodies[0]);
      $('um-select').addEventListener('click', wrap(selectDomain, 'Select Domain'));
      $('dom-list').addEventListener('change', () => { $('dom-name').value = $('dom-list').value; });
      $('dom-list').addEventListener('dblclick', wrap(domainChosen, 'Select Domain'));
      $('dom-ok').addEventListener('click', wrap(domainChosen, 'Select Domain'));
      $('um-new').addEventListener('click', wrap(() => userDialog(null), 'User Manager'));
      $('um-props').addEventListener('click', () => {
        const tr = users.selected();
        if (!tr) return NT.message('User Manager', 'Select a user first.', 'warn');
        return wrap(() => userDialog(tr.dataset.key), 'User Manager')();
      });
      $('us-ok').addEventListener('click', wrap(userSave, 'User Manager'));
      $('us-hours').addEventListener('click', hoursDialog);
      $('hr-ok').addEventListener('click', hoursSave);
      $('um-account').addEventListener('click', wrap(policyDialog, 'Account Policy'));
      $('po-ok').addEventListener('click', wrap(policySave, 'Account Policy'));
    },
    open: refresh,
    live(kind) {
      if ((kind === 'rights') && NT.shown('win-usrmgr')) refresh().catch(() => {});
    },
  });
})();
