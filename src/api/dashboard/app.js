// The dashboard's state and wiring: sign-in, loading each resource, the live event stream
// (Server-Sent Events) that marks resources stale, and the promote / abort / roll back actions.

import * as api from './api.js';
import { h, isActive, TERMINAL } from './format.js';
import {
  activeDeployment, renderDeployments, renderDora, renderRollout, renderServices,
} from './views.js';

// Every event type the stream sends (docs/api.md); EventSource only delivers named events to
// listeners registered by name, so a type missing here is seen at the next refresh instead.
const EVENT_TYPES = [
  'deployment.started', 'phase.changed', 'build.output', 'build.finished', 'hook.started',
  'hook.output', 'hook.finished', 'replica.started', 'replica.ready', 'replica.exited',
  'replica.unhealthy', 'step.started', 'weight.changed', 'analysis.sample', 'analysis.failed',
  'approval.required', 'paused', 'resumed', 'promoted', 'rollback.started',
  'deployment.succeeded', 'deployment.failed', 'deployment.rolled_back', 'deployment.aborted',
  'secret.rotated',
];
const DEPLOYMENTS_SHOWN = 25;
const SAFETY_REFRESH_MS = 30000;

const state = {
  status: null,
  deployments: [],
  deploymentsLoaded: false,
  details: new Map(), // deployment id -> {deployment, rollout, events}
  selectedId: null,
  pinned: false, // the user picked a deployment: do not follow new ones
  dora: null,
  doraError: null,
  scope: null,
  busy: new Set(), // services with an action in flight
  openReplicas: new Set(), // services whose replica table is unfolded
  signedIn: false,
};

const $ = (id) => document.getElementById(id);
const els = {};

// ---- notices and connection state ---------------------------------------------------------

let noticeTimer = 0;
function notice(text, kind = 'info') {
  const n = els.notice;
  clearTimeout(noticeTimer);
  if (!text) {
    n.hidden = true;
    return;
  }
  n.textContent = text;
  n.dataset.kind = kind;
  n.setAttribute('role', kind === 'error' ? 'alert' : 'status');
  n.hidden = false;
  if (kind !== 'error') noticeTimer = setTimeout(() => { n.hidden = true; }, 8000);
}

const CONNECTION_TEXT = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  offline: 'Offline — retrying',
  signed_out: 'Signed out',
};
function setConnection(s) {
  els.connection.dataset.state = s;
  els.connection.querySelector('.text').textContent = CONNECTION_TEXT[s] || s;
}

// ---- rendering ----------------------------------------------------------------------------

// Sections are redrawn whole; the element that had the keyboard focus (a button) gets it back
// in the new drawing, so that a redraw never throws a keyboard user out.
function focusKey() {
  const a = document.activeElement;
  if (!a || !a.dataset) return null;
  if (a.dataset.action) return `button[data-action="${a.dataset.action}"][data-service="${CSS.escape(a.dataset.service)}"]`;
  if (a.dataset.select) return `button[data-select="${CSS.escape(a.dataset.select)}"]`;
  if (a.dataset.replicas) return `summary[data-replicas="${CSS.escape(a.dataset.replicas)}"]`;
  return null;
}

let renderQueued = false;
let renderAll = false;
// render() redraws everything at the next frame; render(false) only what shows the time.
function render(all = true) {
  renderAll = renderAll || all;
  if (renderQueued) return;
  renderQueued = true;
  requestAnimationFrame(() => {
    renderQueued = false;
    const everything = renderAll;
    renderAll = false;
    const focused = focusKey();
    if (everything) {
      const s = state.status;
      els.projectName.textContent = s?.project || '';
      els.projectEnv.textContent = s?.environment || '';
      document.title = s?.project ? `gantry · ${s.project}${s.environment ? ` (${s.environment})` : ''}` : 'gantry';
      renderServices(els.services, state);
      renderDora(els.dora, state);
    }
    renderRollout(els.rollout, state);
    renderDeployments(els.deploymentsBody, state);
    if (focused && !document.activeElement?.matches?.(focused)) document.querySelector(focused)?.focus();
  });
}

// ---- loading: each resource is fetched at most once at a time; a request while one is in
// flight is remembered and done right after it -------------------------------------------

const loaders = new Map();
function refresh(key, load) {
  let l = loaders.get(key);
  if (!l) {
    l = { running: false, again: false, timer: 0 };
    loaders.set(key, l);
  }
  if (l.running) {
    l.again = true;
    return;
  }
  clearTimeout(l.timer);
  // A burst of events (a weight change, a phase change, a sample) costs one request.
  l.timer = setTimeout(async () => {
    l.running = true;
    try {
      await load();
    } catch (e) {
      if (e.status !== 401) console.warn(`gantry: loading ${key} failed: ${e.message}`);
    } finally {
      l.running = false;
      if (l.again) {
        l.again = false;
        refresh(key, load);
      }
    }
  }, 60);
}

async function loadStatus() {
  state.status = await api.get('/v1/status');
  render();
}

async function loadDeployments() {
  const body = await api.get(`/v1/deployments?limit=${DEPLOYMENTS_SHOWN}`);
  state.deployments = body.deployments || [];
  state.deploymentsLoaded = true;
  if (!state.pinned || !state.deployments.some((d) => d.id === state.selectedId)) {
    // Follow the newest running deployment; else stay on the one shown; else the newest.
    const active = state.deployments.find(isActive);
    if (active) state.selectedId = active.id;
    else if (!state.deployments.some((d) => d.id === state.selectedId)) state.selectedId = state.deployments[0]?.id || null;
  }
  // Keep details of running deployments (their rollout enables the actions) and the shown one.
  const wanted = new Set(state.deployments.filter(isActive).map((d) => d.id));
  if (state.selectedId) wanted.add(state.selectedId);
  for (const id of state.details.keys()) if (!wanted.has(id)) state.details.delete(id);
  for (const id of wanted) {
    const row = state.deployments.find((d) => d.id === id);
    const known = state.details.get(id);
    if (!known || known.deployment.status !== row?.status || isActive(row)) refreshDetail(id);
  }
  render();
}

function refreshDetail(id) {
  refresh(`detail:${id}`, async () => {
    const detail = await api.get(`/v1/deployments/${encodeURIComponent(id)}`);
    detail.events = detail.events || [];
    state.details.set(id, detail);
    // The list may lag behind the detail: keep the row's status in step.
    const row = state.deployments.find((d) => d.id === id);
    if (row && detail.deployment) Object.assign(row, detail.deployment);
    render();
  });
}

async function loadDora() {
  const env = state.status?.environment;
  const q = new URLSearchParams({ since: els.doraWindow.value });
  if (env) q.set('environment', env);
  try {
    state.dora = await api.get(`/v1/dora?${q}`);
    state.doraError = null;
  } catch (e) {
    if (e.status === 401) throw e;
    state.doraError = e.message;
  }
  render();
}

const refreshStatus = () => refresh('status', loadStatus);
const refreshDeployments = () => refresh('deployments', loadDeployments);
const refreshDora = () => refresh('dora', loadDora);

async function loadAll() {
  await loadStatus();
  await Promise.all([loadDeployments(), loadDora()]);
}

// ---- the live stream ----------------------------------------------------------------------

let source = null;
let retryTimer = 0;
let retryDelay = 1000;

function onEvent(message) {
  let e;
  try {
    e = JSON.parse(message.data);
  } catch {
    return;
  }
  const type = message.type === 'message' ? e.type : message.type;
  const id = e.deployment || e.deployment_id || '';
  if (id) {
    const detail = state.details.get(id);
    if (detail) {
      // Show it at once; the refetch below brings the rollout state with it.
      if (!detail.events.some((x) => x.id === e.id)) {
        detail.events.push({ id: e.id, deployment_id: id, at: e.at, type, data: e.data || {} });
      }
      const r = detail.rollout;
      if (r) {
        // What the event says at once (the refetch brings the rest): so that Promote is never
        // lit for a step that has already passed.
        if (type === 'weight.changed' && e.data?.weights) r.weights = e.data.weights;
        if (type === 'step.started') {
          r.step = e.data?.index ?? r.step;
          r.step_kind = e.data?.kind || r.step_kind;
          r.waiting_for = '';
        }
        if (type === 'approval.required') r.waiting_for = 'approval';
        if (type === 'promoted') r.waiting_for = '';
      }
      render();
      refreshDetail(id);
    }
    if (type === 'deployment.started' || type === 'phase.changed' || type.startsWith('deployment.') ||
        type === 'promoted' || type === 'rollback.started' || !detail) {
      refreshDeployments();
    }
  }
  if (type.startsWith('replica.') || type.startsWith('deployment.') || type === 'weight.changed' ||
      type === 'phase.changed') {
    refreshStatus();
  }
  if (type.startsWith('deployment.') && TERMINAL.has(type.slice('deployment.'.length))) refreshDora();
}

function connect() {
  clearTimeout(retryTimer);
  if (source) source.close();
  setConnection('connecting');
  const es = new EventSource('/v1/events');
  source = es;
  let opened = false;
  let failures = 0; // failed reconnects in a row
  es.onopen = () => {
    retryDelay = 1000;
    failures = 0;
    setConnection('live');
    // Events may have been missed before this connection (or while reconnecting).
    if (opened) { refreshStatus(); refreshDeployments(); refreshDora(); }
    opened = true;
  };
  es.onerror = () => {
    if (source !== es) return;
    if (es.readyState === EventSource.CONNECTING) {
      // EventSource retries by itself, with Last-Event-ID; after a few misses the daemon is
      // likely down rather than blinking.
      failures += 1;
      setConnection(failures >= 3 ? 'offline' : 'reconnecting');
      return;
    }
    // Closed for good (an HTTP error such as 401): find out why, then try again later.
    setConnection('offline');
    es.close();
    source = null;
    api.get('/v1/status').then(() => {
      retryTimer = setTimeout(connect, retryDelay);
      retryDelay = Math.min(retryDelay * 2, 30000);
    }, (err) => {
      if (err.status === 401) return; // the sign-in prompt is up
      retryTimer = setTimeout(connect, retryDelay);
      retryDelay = Math.min(retryDelay * 2, 30000);
    });
  };
  es.onmessage = onEvent;
  for (const t of EVENT_TYPES) es.addEventListener(t, onEvent);
}

function disconnect() {
  clearTimeout(retryTimer);
  if (source) source.close();
  source = null;
}

// ---- signing in ---------------------------------------------------------------------------

function showLogin(message) {
  state.signedIn = false;
  setWho(null);
  disconnect();
  setConnection('signed_out');
  els.signOut.hidden = true;
  els.loginError.hidden = !message;
  els.loginError.textContent = message || '';
  if (!els.loginDialog.open) els.loginDialog.showModal();
  els.loginToken.focus();
}

// Who the session is: {name, scope} from POST /v1/session, kept for this tab so that a
// reload still knows whether the actions are allowed (the cookie itself is not readable).
function setWho(who) {
  state.scope = who?.scope || null;
  els.who.textContent = who?.name ? `${who.name} (${who.scope})` : '';
  try {
    if (who) sessionStorage.setItem('gantry.who', JSON.stringify({ name: who.name, scope: who.scope }));
    else sessionStorage.removeItem('gantry.who');
  } catch {
    // Storage may be off: the buttons then stay on, and the API says no to a read token.
  }
}

function storedWho() {
  try {
    return JSON.parse(sessionStorage.getItem('gantry.who') || 'null');
  } catch {
    return null;
  }
}

async function signIn(token) {
  setWho(await api.signIn(token));
}

async function start() {
  try {
    await loadAll();
  } catch (e) {
    if (e.status === 401) return; // the sign-in prompt is up
    notice(`Cannot load the dashboard: ${e.message}`, 'error');
  }
  state.signedIn = true;
  els.signOut.hidden = false;
  connect();
}

function loginFailed(e) {
  if (e.status === 401 || e.status === 403) return 'That token was not accepted (unknown, revoked or mistyped).';
  return `Cannot sign in: ${e.message}`;
}

// ---- actions ------------------------------------------------------------------------------

function confirmAction({ title, text, ok, full }) {
  const d = els.confirmDialog;
  $('confirm-title').textContent = title;
  $('confirm-text').textContent = text;
  $('confirm-ok').textContent = ok;
  $('confirm-extra').hidden = !full;
  $('confirm-full').checked = false;
  d.returnValue = '';
  return new Promise((resolve) => {
    d.addEventListener('close', () => resolve(d.returnValue === 'confirm'), { once: true });
    d.showModal();
    d.querySelector('button[value="cancel"]').focus();
  });
}

const ACTIONS = {
  promote: { label: 'Promote', done: 'promoted' },
  abort: { label: 'Abort', done: 'aborted' },
  rollback: { label: 'Roll back', done: 'rolling back' },
};

async function act(kind, service) {
  const active = activeDeployment(state, service);
  const rollout = active && state.details.get(active.id)?.rollout;
  let text;
  if (kind === 'promote') {
    const where = rollout?.waiting_for || rollout?.step_kind || 'current';
    text = `Promote ${service} ${active?.version || ''} (${active?.id}) past its ${where} step? ` +
      'Traffic moves on to the next step.';
  } else if (kind === 'abort') {
    text = `Abort ${active?.id} of ${service} (${active?.version || ''})? It is rolled back: the new ` +
      'version gets no traffic and its replicas stop.';
  } else {
    const current = state.status?.services?.find((s) => s.name === service);
    const back = state.deployments.find((d) => d.service === service && d.status === 'succeeded' &&
      d.revision_id !== current?.revision_id);
    text = `Roll ${service} back from ${current?.version || '?'} to ${back ? `${back.version || back.revision_id} (${back.revision_id})` : 'the previous revision that succeeded'}? ` +
      'A new deployment of that revision starts now.';
  }
  const { label } = ACTIONS[kind];
  const yes = await confirmAction({ title: `${label} ${service}?`, text, ok: label, full: kind === 'promote' });
  if (!yes) return;
  const body = kind === 'promote' ? { full: $('confirm-full').checked } : {};
  state.busy.add(service);
  render();
  try {
    const reply = await api.post(`/v1/services/${encodeURIComponent(service)}/${kind}`, body);
    const d = reply?.deployment;
    notice(d ? `${label}: ${d.id} is now ${d.status.replace(/_/g, ' ')}.` : `${label} sent.`);
    if (kind === 'rollback') state.pinned = false;
  } catch (e) {
    if (e.status === 403) notice(`${label} refused: ${e.message} (an admin token is needed).`, 'error');
    else if (e.status !== 401) notice(`${label} failed: ${e.message}`, 'error');
  } finally {
    state.busy.delete(service);
    render();
    refreshDeployments();
    refreshStatus();
  }
}

// ---- start-up -----------------------------------------------------------------------------

function wire() {
  Object.assign(els, {
    notice: $('notice'), connection: $('connection'), signOut: $('sign-out'), who: $('who'),
    projectName: $('project-name'), projectEnv: $('project-env'),
    services: $('services'), deploymentsBody: $('deployments').tBodies[0], dora: $('dora'),
    doraWindow: $('dora-window'), loginDialog: $('login-dialog'), loginForm: $('login-form'),
    loginToken: $('login-token'), loginError: $('login-error'), confirmDialog: $('confirm-dialog'),
    rollout: {
      box: $('rollout'), summary: $('rollout-summary'), facts: $('rollout-facts'),
      weights: $('rollout-weights'), chartWeights: $('chart-weights'), chartSuccess: $('chart-success'),
      chartP95: $('chart-p95'), verdicts: $('verdicts'), events: $('events'),
      charts: $('rollout-charts'), verdictsBox: $('verdicts-box'),
    },
  });

  api.onUnauthorized(() => showLogin(state.signedIn ? 'Your session ended. Sign in again with a token.' : ''));

  els.loginDialog.addEventListener('cancel', (e) => e.preventDefault()); // nothing to see without it
  els.loginForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const token = els.loginToken.value.trim();
    if (!token) return;
    try {
      await signIn(token);
    } catch (err) {
      els.loginError.textContent = loginFailed(err);
      els.loginError.hidden = false;
      els.loginToken.select();
      return;
    }
    els.loginToken.value = '';
    els.loginDialog.close();
    start();
  });
  els.signOut.addEventListener('click', async () => {
    try {
      await api.signOut();
    } catch (e) {
      if (e.status !== 401) notice(`Sign out failed: ${e.message}`, 'error');
    }
    setWho(null);
    showLogin('');
  });

  // One listener for every action button and deployment link, however often they are redrawn.
  document.addEventListener('click', (e) => {
    const button = e.target.closest('button[data-action]');
    if (button && !button.disabled) {
      act(button.dataset.action, button.dataset.service);
      return;
    }
    const link = e.target.closest('button[data-select]');
    if (link) {
      state.selectedId = link.dataset.select;
      state.pinned = !isActive(state.deployments.find((d) => d.id === state.selectedId));
      if (!state.details.has(state.selectedId)) refreshDetail(state.selectedId);
      render();
      els.rollout.box.parentElement.scrollIntoView({ behavior: 'smooth', block: 'start' });
    }
  });
  els.doraWindow.addEventListener('change', refreshDora);

  // Redraw durations and the weight chart's "now" edge while a deployment runs.
  setInterval(() => {
    const shown = state.selectedId && state.deployments.find((d) => d.id === state.selectedId);
    if (shown && isActive(shown)) render(false);
  }, 1000);
  // In case an event type we do not listen for changed something.
  setInterval(() => {
    if (state.signedIn) { refreshStatus(); refreshDeployments(); }
  }, SAFETY_REFRESH_MS);
  new ResizeObserver(() => render(false)).observe(els.rollout.box);
  // Which replica tables are unfolded survives redraws.
  els.services.addEventListener('toggle', (e) => {
    const name = e.target.dataset?.replicas;
    if (!name) return;
    if (e.target.open) state.openReplicas.add(name);
    else state.openReplicas.delete(name);
  }, true);
}

async function main() {
  wire();
  // A token in the URL fragment (#token=...) is used once, then removed from the address bar
  // and the history, so it is not left on screen or in a bookmark.
  const fragment = new URLSearchParams(location.hash.slice(1));
  const token = fragment.get('token');
  if (token !== null) {
    history.replaceState(null, '', location.pathname + location.search);
    try {
      await signIn(token);
    } catch (e) {
      showLogin(loginFailed(e));
      return;
    }
  } else {
    setWho(storedWho());
  }
  start();
}

main();

// For the browser test and for people poking at the console.
window.gantryDashboard = { state, h };
