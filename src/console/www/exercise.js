/* The Exercise panel (issue 16): the story of the lab `ntlab exercise
 * start` built, its goals with ✓/✗ and the score after Check, the hints in
 * the order Hint gives them, and the explanation with its KB article once
 * every goal is met. Every word comes from the CLI's own `ntlab exercise
 * show|check|hint --json`, run by the daemon (src/console/api_exercise.c).
 * It opens from the task bar, so a lab that is no exercise asks nothing
 * until the student looks. */
'use strict';
(() => {
  const { $, api, el } = NT;
  let box = null;

  /* The panel's parts, made once (no inline markup: the CSP). */
  function build() {
    box = {
      title: el('h2', 'Exercise', { class: 'titlebar', id: 'ex-title' }),
      kb: el('p', null, { id: 'ex-kb', class: 'hint' }),
      story: el('pre', null, { id: 'ex-story', class: 'story', tabindex: '0' }),
      goals: el('ul', null, { id: 'ex-goals', class: 'goals', 'aria-label': 'Goals' }),
      score: el('p', null, { id: 'ex-score', role: 'status' }),
      check: el('button', 'Check', { type: 'button', id: 'ex-check' }),
      hint: el('button', 'Hint', { type: 'button', id: 'ex-hint' }),
      next: el('p', null, { id: 'ex-next', class: 'next' }),
      hints: el('ol', null, { id: 'ex-hints', 'aria-label': 'Hints shown' }),
      expl: el('section', null, { id: 'ex-explanation', 'aria-label': 'Explanation' }),
      error: el('p', null, { id: 'ex-error', class: 'error', role: 'alert' }),
    };
    const buttons = el('div', null, { class: 'buttons' });
    buttons.append(box.check, box.hint);
    const pane = el('div', null, { class: 'pane' });
    pane.append(box.error, box.kb, box.story, box.goals, box.score, buttons, box.next,
      box.hints, box.expl);
    $('exercise').replaceChildren(box.title, pane);
    box.check.addEventListener('click', () => run(check));
    box.hint.addEventListener('click', () => run(hint));
  }

  /* One action at a time: the buttons wait for the answer. Each action
   * works on the panel it started from (b): closed and reopened meanwhile,
   * the new panel is not touched by the old answer. */
  async function run(what) {
    const b = box;
    b.check.disabled = b.hint.disabled = true;
    b.error.textContent = '';
    try { await what(b); } catch (e) { b.error.textContent = e.message; } finally {
      b.check.disabled = b.hint.disabled = false;
    }
  }

  /* GET: the story and the hints shown so far; goals unchecked until Check. */
  function show(b, x) {
    b.title.textContent = 'Exercise - ' + x.title;
    b.kb.textContent = x.kb + '; difficulty ' + x.difficulty;
    b.story.textContent = x.story;
    if (!b.goals.children.length)
      b.goals.replaceChildren(...x.goals.map((g) => el('li', '? ' + g, { class: 'unknown' })));
    b.hints.replaceChildren(...x.hints.map((h) => el('li', h)));
  }

  function checked(b, r) {
    b.goals.replaceChildren(...r.goals.map((g) => {
      const li = el('li', (g.met ? '\u2713 ' : '\u2717 ') + g.name, { class: g.met ? 'met' : 'unmet' });
      if (!g.met && g.why) li.appendChild(el('span', g.why, { class: 'why' }));
      return li;
    }));
    b.score.textContent = `Score: ${r.met}/${r.total} (${r.score} %)`;
    b.next.textContent = r.hint ? 'Next hint: ' + r.hint : '';
    b.expl.replaceChildren();
    if (r.explanation) {
      b.expl.append(el('h3', 'All goals met - ' + r.kb), el('p', r.explanation, { class: 'story' }));
    }
  }

  async function load(b) { show(b, await api('GET', 'exercise')); }
  async function check(b) {
    checked(b, await api('POST', 'exercise/check', {}));
    await load(b);
  }
  async function hint(b) {
    const h = await api('POST', 'exercise/hint', {});
    if (!h.hint) b.next.textContent = 'All goals are met: no hint needed.';
    await load(b);
  }

  /* The task bar's Exercise button shows or hides the panel. */
  function toggle() {
    const b = $('open-exercise'), open = b.getAttribute('aria-pressed') !== 'true';
    b.setAttribute('aria-pressed', String(open));
    if (!open) { $('exercise').replaceChildren(); box = null; return; }
    build();
    run(load);
  }

  NT.tool('exercise', {
    init() { $('open-exercise').addEventListener('click', toggle); },
  });
})();
