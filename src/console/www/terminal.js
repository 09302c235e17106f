/* POP3 terminal: a telnet-like pane on a machine's POP3 listener, through
 * the daemon's bridge (POST /api/v1/terminal, .../ID). It shows exactly
 * the bytes exchanged: what the server sent, and (in yellow) what was
 * sent, byte for byte; "Show CR/LF" makes the line ends visible. */
'use strict';
(() => {
  const { $, api, enc, el } = NT;
  let id = null, got = 0, parts = [], poller = null;

  /* base64 -> a string of bytes (one char per byte: exact, no decoding) */
  const bytes = (b64) => atob(b64 || '');
  /* a typed line -> its UTF-8 bytes, as the bridge sends them */
  const utf8 = (s) => String.fromCharCode(...new TextEncoder().encode(s));

  function render() {
    const scr = $('tm-screen'), crlf = $('tm-crlf').checked;
    scr.replaceChildren();
    for (const p of parts) {
      const span = el('span', null, p.sent ? { class: 'sent' } : {});
      let text = '';
      const flush = () => { if (text) { span.appendChild(document.createTextNode(text)); text = ''; } };
      for (const ch of p.bytes) {
        if (crlf && (ch === '\r' || ch === '\n')) {
          flush();
          span.appendChild(el('span', ch === '\r' ? '<CR>' : '<LF>', { class: 'ctl' }));
          if (ch === '\n') text += '\n';
        } else if (ch === '\r') {
          /* a bare CR is not drawn: CR LF ends a line */
        } else {
          text += ch;
        }
      }
      flush();
      scr.appendChild(span);
    }
    scr.scrollTop = scr.scrollHeight;
  }

  /* Reads what the server sent since the last look (the bridge keeps the
   * session's received bytes; the live stream says when there are more). */
  async function pull() {
    if (id === null) return;
    let r;
    try {
      r = await api('GET', 'terminal/' + id);
    } catch (e) {
      if (e.status === 404) return closed('connection closed');
      throw e;
    }
    const all = bytes(r.received);
    if (all.length > got) {
      parts.push({ sent: false, bytes: all.slice(got) });
      got = all.length;
      render();
    }
  }

  function setOpen(open) {
    $('tm-connect').disabled = open;
    $('tm-machine').disabled = open;
    $('tm-disconnect').disabled = !open;
    $('tm-line').disabled = !open;
    $('tm-send').disabled = !open;
  }
  function closed(why) {
    id = null;
    if (poller) { clearInterval(poller); poller = null; }
    setOpen(false);
    $('tm-title').textContent = '(None)';
    parts.push({ sent: false, bytes: '\r\n[' + why + ']\r\n' });
    render();
  }

  async function connect() {
    const m = $('tm-machine').value;
    const r = await api('POST', 'terminal', { machine: m });
    id = r.id;
    got = 0;
    parts = [];
    render();
    setOpen(true);
    $('tm-title').textContent = m + ' (POP3)';
    $('tm-line').focus();
    await pull();
    /* a safety net if the live stream is down: look twice a second */
    poller = setInterval(() => { if (!NT.liveUp) pull().catch(() => {}); }, 500);
  }
  async function disconnect() {
    if (id === null) return;
    const was = id;
    id = null;
    await api('DELETE', 'terminal/' + was).catch(() => {});
    closed('disconnected');
  }
  async function send(e) {
    e.preventDefault();
    if (id === null) return;
    const line = $('tm-line').value + '\r\n';
    $('tm-line').value = '';
    parts.push({ sent: true, bytes: utf8(line) });
    render();
    await api('POST', 'terminal/' + id, { text: line });
    await pull();
  }

  const wrap = (f) => (e) => f(e).catch((x) => NT.failed('Telnet', x));
  NT.tool('win-terminal', {
    title: 'Telnet',
    init() {
      $('tm-connect').addEventListener('click', wrap(connect));
      $('tm-disconnect').addEventListener('click', wrap(disconnect));
      $('tm-form').addEventListener('submit', wrap(send));
      $('tm-crlf').addEventListener('change', render);
    },
    open: () => NT.machineSelect($('tm-machine')),
    live(kind, data) {
      if (kind === 'terminal' && data && data.id === id) {
        if (data.closed) pull().then(() => { if (id !== null) closed('connection closed by the server'); }).catch(() => {});
        else pull().catch(() => {});
      }
    },
  });
})();
