/* Event Viewer: the System, Application and Security logs of a machine,
 * newest first as NT shows them, a filter (source, type, event ID) and the
 * detail dialog with the event's text. New records arrive live. */
'use strict';
(() => {
  const { $, api, enc, el } = NT;
  let list, events = [], loaded = '';
  const MAX = 2000; /* records kept in the page */

  const where = () => $('ev-machine').value + '/' + $('ev-log').value;
  /* Reads the records after the last one held (pages of 200). */
  async function fetchNew() {
    if (loaded !== where()) { events = []; loaded = where(); }
    for (let more = true; more;) {
      const after = events.length ? events[events.length - 1].record : 0;
      const r = await api('GET', 'machines/' + enc($('ev-machine').value) + '/events/' +
        enc($('ev-log').value) + (after ? '/' + after : ''));
      events.push(...r.events);
      more = r.more && r.events.length > 0;
    }
    if (events.length > MAX) events.splice(0, events.length - MAX);
  }
  function show() {
    const src = $('ev-source').value.trim().toLowerCase(), type = $('ev-type').value, id = $('ev-id').value.trim();
    const rows = events.filter((e) => (!src || e.source.toLowerCase() === src) &&
      (!type || e.type === type) && (!id || String(e.event_id) === id)).reverse();
    list.fill(rows, (e) => {
      const d = new Date(e.time * 1000);
      return [d.toLocaleDateString(), d.toLocaleTimeString(), e.source, e.type, e.event_id, e.user, e.computer];
    }, (e) => String(e.record));
    $('ev-title').textContent = $('ev-log').value + ' Log on \\\\' + $('ev-machine').value;
  }
  async function refresh() {
    await NT.machineSelect($('ev-machine'));
    await fetchNew();
    show();
  }
  function detail(tr) {
    const e = events.find((x) => String(x.record) === tr.dataset.key);
    if (!e) return;
    const box = $('ed-fields'), d = new Date(e.time * 1000);
    box.replaceChildren();
    [['Date', d.toLocaleDateString()], ['Time', d.toLocaleTimeString()], ['User', e.user],
      ['Computer', e.computer], ['Event ID', e.event_id], ['Source', e.source], ['Type', e.type],
      ['Category', e.category || 'None']].forEach(([k, v]) => {
      box.appendChild(el('span', k + ':'));
      box.appendChild(el('span', v));
    });
    $('ed-text').value = e.description;
    NT.showDialog('dlg-event');
  }

  const wrap = (f) => () => f().catch((e) => NT.failed('Event Viewer', e));
  NT.tool('win-events', {
    title: 'Event Viewer',
    init() {
      list = NT.selectable($('ev-list').tBodies[0], detail);
      ['ev-machine', 'ev-log'].forEach((id) => $(id).addEventListener('change', wrap(refresh)));
      ['ev-source', 'ev-type', 'ev-id'].forEach((id) => $(id).addEventListener('input', show));
    },
    open: refresh,
    live(kind) {
      if ((kind === 'event' || kind === 'machine') && NT.shown('win-events')) refresh().catch(() => {});
    },
  });
})();
