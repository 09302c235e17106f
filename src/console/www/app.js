/* The console's core: the API client (the lab's secret travels in a
 * header, never a cookie), windows, menus, dialogs, selectable lists, the
 * NT message box and live updates. The tools (usrmgr.js, services.js, ...)
 * register with NT.tool(). No inline script: the page's CSP forbids it. */
'use strict';
const NT = (() => {
  const token = new URLSearchParams(location.search).get('token') || '';
  const tools = {};
  const $ = (id) => document.getElementById(id);

  /* One API call; resolves to the JSON answer, rejects with an Error whose
   * message is the server's "error" text (the CLI's words, with the Win32
   * code when there is one). */
  async function api(method, path, body) {
    const opt = { method, headers: { 'X-Ntlab-Token': token } };
    if (body !== undefined) {
      opt.headers['Content-Type'] = 'application/json';
      opt.body = JSON.stringify(body);
    }
    const r = await fetch('/api/v1/' + path, opt);
    let j;
    try { j = await r.json(); } catch (e) { j = { error: 'HTTP ' + r.status }; }
    if (!r.ok) {
      const err = new Error(j.error || 'HTTP ' + r.status);
      err.status = r.status;
      err.body = j;
      throw err;
    }
    return j;
  }
  const enc = encodeURIComponent;

  function el(tag, text, attrs) {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    for (const k in attrs || {}) e.setAttribute(k, attrs[k]);
    return e;
  }

  /* NT's message box. icon: "stop" or "warn". Resolves when closed. */
  function message(title, text, icon) {
    const d = $('dlg-msg');
    $('msg-title').textContent = title;
    $('msg-text').textContent = text;
    d.querySelector('.msgicon').className = 'msgicon' + (icon === 'stop' ? ' stop' : '');
    d.querySelector('.msgicon').textContent = icon === 'stop' ? 'X' : '!';
    return new Promise((res) => {
      d.addEventListener('close', () => res(), { once: true });
      if (!d.open) d.showModal();
    });
  }
  /* An API failure as a message box with the server's text. */
  function failed(title, err) {
    return message(title, err.message, 'stop');
  }

  function showDialog(id) {
    const d = $(id);
    if (!d.open) d.showModal();
    return d;
  }

  /* Windows: one shown at a time, picked on the task bar. */
  function openWindow(id) {
    document.querySelectorAll('.window').forEach((w) => { w.hidden = w.id !== id; });
    document.querySelectorAll('[data-open]').forEach((b) =>
      b.setAttribute('aria-pressed', String(b.dataset.open === id)));
    $('welcome').hidden = true;
    const t = tools[id];
    if (t && t.open) t.open().catch((e) => failed(t.title, e));
    const first = $(id).querySelector('select, button, tr[tabindex]');
    if (first) first.focus();
  }
  const shown = (id) => !$(id).hidden;

  /* A table body whose rows can be selected by click or arrow keys;
   * onpick(row) on Enter or double-click. */
  function selectable(tbody, onpick) {
    const rows = () => [...tbody.querySelectorAll('tr')];
    function select(tr) {
      rows().forEach((r) => { r.setAttribute('aria-selected', 'false'); r.tabIndex = -1; });
      if (!tr) return;
      tr.setAttribute('aria-selected', 'true');
      tr.tabIndex = 0;
      tr.focus();
    }
    tbody.addEventListener('click', (e) => select(e.target.closest('tr')));
    tbody.addEventListener('dblclick', (e) => { const tr = e.target.closest('tr'); if (tr && onpick) onpick(tr); });
    tbody.addEventListener('keydown', (e) => {
      const list = rows(), i = list.indexOf(document.activeElement);
      if (e.key === 'ArrowDown' && i + 1 < list.length) { select(list[i + 1]); e.preventDefault(); }
      if (e.key === 'ArrowUp' && i > 0) { select(list[i - 1]); e.preventDefault(); }
      if (e.key === 'Enter' && i >= 0 && onpick) { onpick(list[i]); e.preventDefault(); }
    });
    return {
      selected: () => tbody.querySelector('tr[aria-selected="true"]'),
      /* fills rows from items: cells(item) -> [text...], key(item) -> row key */
      fill(items, cells, key) {
        const keep = this.selected() ? this.selected().dataset.key : null;
        tbody.replaceChildren();
        items.forEach((it, n) => {
          const tr = el('tr', null, { 'aria-selected': 'false', tabindex: n === 0 ? '0' : '-1' });
          tr.dataset.key = key(it);
          cells(it).forEach((c) => tr.appendChild(el('td', c)));
          tbody.appendChild(tr);
        });
        const again = [...tbody.querySelectorAll('tr')].find((r) => r.dataset.key === keep);
        if (again) { again.setAttribute('aria-selected', 'true'); again.tabIndex = 0; }
      },
    };
  }

  /* Menus: a button opens its list; Escape or a pick closes it. */
  function menus() {
    document.querySelectorAll('.menu').forEach((m) => {
      const b = m.querySelector('button'), ul = m.querySelector('ul');
      const close = () => { ul.hidden = true; b.setAttribute('aria-expanded', 'false'); };
      b.addEventListener('click', () => {
        const open = ul.hidden;
        document.querySelectorAll('.menu ul').forEach((u) => { u.hidden = true; });
        ul.hidden = !open;
        b.setAttribute('aria-expanded', String(open));
        if (open) ul.querySelector('button').focus();
      });
      ul.addEventListener('click', close);
      ul.addEventListener('keydown', (e) => {
        const items = [...ul.querySelectorAll('button')], i = items.indexOf(document.activeElement);
        if (e.key === 'Escape') { close(); b.focus(); }
        if (e.key === 'ArrowDown') { items[(i + 1) % items.length].focus(); e.preventDefault(); }
        if (e.key === 'ArrowUp') { items[(i + items.length - 1) % items.length].focus(); e.preventDefault(); }
      });
    });
  }

  let machinesCache = [];
  async function machines() {
    machinesCache = await api('GET', 'machines');
    return machinesCache;
  }
  /* Fills a <select> with the lab's machines, keeping its choice; prefer
   * names the machine to pick first (e.g. the member server). */
  async function machineSelect(sel, prefer) {
    const list = machinesCache.length ? machinesCache : await machines();
    const keep = sel.value;
    sel.replaceChildren(...list.map((m) => el('option', m.name, { value: m.name })));
    const member = list.find((m) => m.role !== 'pdc' && m.role !== 'bdc');
    sel.value = keep || prefer || (member ? member.name : list[0] && list[0].name) || '';
  }

  /* Live updates: the daemon's Server-Sent Events stream; each tool's
   * live(kind, data) sees every event. When the stream is not there (an
   * older daemon), the shown tool refreshes every 3 s instead. */
  function live() {
    const state = $('live');
    let polling = null;
    const dispatch = (kind, data) => {
      Object.values(tools).forEach((t) => { if (t.live) t.live(kind, data); });
    };
    const poll = () => {
      state.textContent = 'refreshing every 3 s';
      polling = setInterval(() => {
        Object.keys(tools).forEach((id) => { if (shown(id) && tools[id].open) tools[id].open().catch(() => {}); });
      }, 3000);
    };
    if (!window.EventSource || !NT.sse) { poll(); return; }
    const es = new EventSource('/api/v1/live?token=' + enc(token));
    es.onopen = () => { NT.liveUp = true; state.textContent = 'live'; if (polling) { clearInterval(polling); polling = null; } };
    es.onerror = () => { NT.liveUp = false; state.textContent = 'reconnecting'; };
    for (const kind of NT.sse) {
      es.addEventListener(kind, (e) => {
        let data = null;
        try { data = JSON.parse(e.data); } catch (x) { data = e.data; }
        dispatch(kind, data);
      });
    }
  }

  function start() {
    menus();
    document.querySelectorAll('[data-open]').forEach((b) =>
      b.addEventListener('click', () => openWindow(b.dataset.open)));
    document.querySelectorAll('dialog').forEach((d) => {
      d.querySelectorAll('.dlg-cancel, .dlg-ok').forEach((b) => b.addEventListener('click', () => d.close()));
    });
    Object.values(tools).forEach((t) => { if (t.init) t.init(); });
    machines().catch((e) => failed('ntlab console', e));
    live();
  }
  document.addEventListener('DOMContentLoaded', start);

  return {
    $, api, enc, el, message, failed, showDialog, openWindow, shown, selectable, machines,
    machineSelect, token,
    /* the kinds of event GET /api/v1/live sends (src/console/live.c,
     * src/net/httplive.c) */
    liveUp: false,
    sse: ['event', 'service', 'machine', 'rights', 'session', 'terminal'],
    tool(id, t) { tools[id] = t; },
    machinesNow: () => machinesCache,
  };
})();
