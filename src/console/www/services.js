/* Services (Control Panel): each service's state, startup type and Log On
 * As account; Start, Stop and Startup... (startup type, account and
 * password), the SCM calls of `ntlab service`. */
'use strict';
(() => {
  const { $, api, enc } = NT;
  let list, data = [];
  const STATE = { running: 'Started', stopped: '', start_pending: 'Starting', stop_pending: 'Stopping' };
  const START = { auto: 'Automatic', demand: 'Manual', disabled: 'Disabled', boot: 'Boot', system: 'System' };
  const machine = () => $('sv-machine').value;

  async function refresh() {
    await NT.machineSelect($('sv-machine'));
    $('sv-title').textContent = machine();
    data = await api('GET', 'machines/' + enc(machine()) + '/services');
    list.fill(data, (s) => [s.display, STATE[s.state] !== undefined ? STATE[s.state] : s.state,
      START[s.start] || s.start, s.account], (s) => s.name);
  }
  const chosen = () => {
    const tr = list.selected();
    return tr ? data.find((s) => s.name === tr.dataset.key) : null;
  };

  /* The Services applet's message box on a failed start or stop. Its
   * wording is a choice (from memory of NT 4.0's applet; no source in
   * reference/): "Could not start the DISPLAY service on \\COMPUTER.",
   * a blank line, "Error 1069: TEXT" with the Win32 code's FormatMessage
   * text the server sent. */
  function failure(verb, s, e) {
    const b = e.body || {};
    const text = b.win32 ? 'Error ' + b.win32 + ': ' + b.text : e.message;
    return NT.message('Services', 'Could not ' + verb + ' the ' + s.display + ' service on \\\\' +
      machine() + '.\n\n' + text, 'stop');
  }
  async function act(verb) {
    const s = chosen();
    if (!s) return NT.message('Services', 'Select a service first.', 'warn');
    try {
      await api('POST', 'machines/' + enc(machine()) + '/services/' + enc(s.name) + '/' + verb);
    } catch (e) {
      await refresh();
      return failure(verb, s, e);
    }
    await refresh();
  }

  async function startup() {
    const s = chosen();
    if (!s) return NT.message('Services', 'Select a service first.', 'warn');
    const c = await api('GET', 'machines/' + enc(machine()) + '/services/' + enc(s.name) + '/config');
    $('st-title').textContent = 'Service on ' + machine() + ': ' + c.display;
    document.querySelectorAll('input[name="st-type"]').forEach((r) => { r.checked = r.value === c.start; });
    const sys = c.account === 'LocalSystem';
    document.querySelectorAll('input[name="st-as"]').forEach((r) => { r.checked = (r.value === 'system') === sys; });
    $('st-account').value = sys ? '' : c.account;
    $('st-pw').value = '';
    $('dlg-startup').dataset.svc = s.name;
    NT.showDialog('dlg-startup');
  }
  async function startupSave() {
    const t = document.querySelector('input[name="st-type"]:checked');
    const sys = document.querySelector('input[name="st-as"]:checked').value === 'system';
    const body = { start: t ? t.value : 'demand', account: sys ? 'LocalSystem' : $('st-account').value.trim() };
    if (!sys && $('st-pw').value) body.password = $('st-pw').value;
    const svc = $('dlg-startup').dataset.svc;
    try {
      await api('POST', 'machines/' + enc(machine()) + '/services/' + enc(svc) + '/config', body);
    } catch (e) {
      return NT.failed('Services', e);
    }
    $('dlg-startup').close();
    await refresh();
  }

  const wrap = (f) => () => f().catch((e) => NT.failed('Services', e));
  NT.tool('win-services', {
    title: 'Services',
    init() {
      list = NT.selectable($('sv-list').tBodies[0], wrap(startup));
      $('sv-machine').addEventListener('change', wrap(refresh));
      $('sv-start').addEventListener('click', wrap(() => act('start')));
      $('sv-stop').addEventListener('click', wrap(() => act('stop')));
      $('sv-startup').addEventListener('click', wrap(startup));
      $('st-ok').addEventListener('click', wrap(startupSave));
    },
    open: refresh,
    live(kind) {
      if ((kind === 'service' || kind === 'machine') && NT.shown('win-services')) refresh().catch(() => {});
    },
  });

  /* Shut Down Windows: Restart or Shut down one machine of the lab. */
  async function shutdownOpen() {
    await NT.machineSelect($('sd-machine'));
    NT.showDialog('dlg-shutdown');
  }
  async function shutdownYes() {
    const what = document.querySelector('input[name="sd-what"]:checked').value, m = $('sd-machine').value;
    $('sd-yes').disabled = true;
    try {
      await api('POST', 'machines/' + enc(m) + '/' + what);
    } catch (e) {
      return NT.failed('Shut Down Windows', e);
    } finally {
      $('sd-yes').disabled = false;
    }
    $('dlg-shutdown').close();
    $('live').textContent = m + (what === 'restart' ? ' restarted' : ' shut down');
    await NT.machines();
  }
  NT.tool('dlg-shutdown', {
    title: 'Shut Down Windows',
    init() {
      $('open-shutdown').addEventListener('click', () => shutdownOpen().catch((e) => NT.failed('Shut Down Windows', e)));
      $('sd-yes').addEventListener('click', () => shutdownYes());
    },
  });
})();
