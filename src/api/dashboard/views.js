// The dashboard's sections drawn from the state app.js keeps: services, the selected rollout
// (facts, weights, charts, verdicts, events), recent deployments and the DORA tiles.

import { lineChart } from './charts.js';
import {
  badge, duration, h, isActive, ms, msOf, percent, seconds, timeOf,
} from './format.js';

const VERDICT_TYPES = new Set(['analysis.sample', 'analysis.failed']);

// ---- what a service can do now ------------------------------------------------------------

// The newest active deployment of the service, from the recent deployments.
export function activeDeployment(state, service) {
  return state.deployments.find((d) => d.service === service && isActive(d)) || null;
}

// {promote, abort, rollback}: each {enabled, why} — why says what stops it, for the tooltip.
export function actionsFor(state, service) {
  const readOnly = state.scope === 'read';
  const busy = state.busy.has(service.name);
  const active = activeDeployment(state, service.name);
  const rollout = active && state.details.get(active.id)?.rollout;
  const out = {};
  const gate = (enabled, why) => {
    if (readOnly) return { enabled: false, why: 'Your token is read-only (scope read).' };
    if (busy) return { enabled: false, why: 'A request is in flight.' };
    return { enabled, why: enabled ? '' : why };
  };
  const waits = rollout && (rollout.waiting_for ||
    ['pause', 'analysis', 'approval'].includes(rollout.step_kind));
  out.promote = gate(!!waits && !rollout.paused,
    !active ? 'No deployment of this service is running.'
      : rollout?.paused ? 'The deployment is paused: resume it first (gantry resume).'
        : 'Nothing waits to be promoted (no pause, analysis or approval step now).');
  out.abort = gate(!!active && active.status !== 'rolling_back',
    active ? 'The deployment is already rolling back.' : 'No deployment of this service is running.');
  const earlier = state.deployments.some((d) => d.service === service.name &&
    d.status === 'succeeded' && d.revision_id && d.revision_id !== service.revision_id);
  out.rollback = gate(!active && earlier,
    active ? 'A deployment of this service is running: abort it instead.'
      : 'No earlier revision of this service succeeded.');
  return out;
}

// ---- services -----------------------------------------------------------------------------

function replicaRows(service) {
  return service.replicas.map((r) => h('tr', {},
    h('td', {}, String(r.index)),
    h('td', {}, r.version || '—'),
    h('td', {}, badge(r.state)),
    h('td', {}, badge(r.readiness)),
    h('td', { class: 'num' }, r.pid ? String(r.pid) : '—'),
    h('td', { class: 'num' }, r.port ? String(r.port) : '—'),
    h('td', { class: 'num' }, duration(r.uptime_ms)),
    h('td', { class: 'num' }, String(r.restarts ?? 0)),
  ));
}

function actionButton(kind, label, service, action) {
  return h('button', {
    type: 'button', class: kind === 'promote' ? 'primary' : kind === 'abort' ? 'danger' : '',
    'data-action': kind, 'data-service': service.name,
    disabled: !action.enabled, title: action.why || null,
    'aria-label': `${label} ${service.name}`,
  }, label);
}

export function renderServices(root, state) {
  const services = state.status?.services || [];
  if (services.length === 0) {
    root.replaceChildren(h('p', { class: 'empty' }, state.status ? 'This project has no services.' : 'Loading…'));
    return;
  }
  root.replaceChildren(...services.map((s) => {
    const active = activeDeployment(state, s.name);
    const rollout = active && state.details.get(active.id)?.rollout;
    const actions = actionsFor(state, s);
    const versions = [...new Set(s.replicas.map((r) => r.version).filter(Boolean))];
    let now = null;
    if (active) {
      const step = rollout ? ` · step ${rollout.step + 1} of ${rollout.steps} (${rollout.step_kind || '—'})` : '';
      const wait = rollout?.waiting_for ? ` · waits for ${rollout.waiting_for}` : '';
      now = h('p', { class: 'now' }, 'Deploying ',
        h('strong', {}, active.version || active.revision_id), ` (${active.id}): `,
        badge(active.status), step, wait);
    }
    return h('article', { class: 'service', 'data-service': s.name, 'aria-labelledby': `svc-${s.name}` },
      h('header', {},
        h('h3', { id: `svc-${s.name}` }, s.name),
        h('span', { class: 'version', title: s.revision_id }, s.version || '—'),
        badge(s.health)),
      h('dl', { class: 'facts compact' },
        h('div', {}, h('dt', {}, 'Ready'), h('dd', {}, `${s.ready} / ${s.desired}`)),
        h('div', {}, h('dt', {}, 'Routed'), h('dd', {}, s.routed === null ? '—' : String(s.routed))),
        h('div', {}, h('dt', {}, 'Port'), h('dd', {}, s.port === null ? '—' : String(s.port))),
        h('div', {}, h('dt', {}, 'Versions'), h('dd', {}, versions.join(', ') || '—')),
        h('div', {}, h('dt', {}, 'Restarts'), h('dd', {}, String(s.restarts ?? 0)))),
      now,
      h('div', { class: 'actions', role: 'group', 'aria-label': `Actions on ${s.name}` },
        actionButton('promote', 'Promote', s, actions.promote),
        actionButton('abort', 'Abort', s, actions.abort),
        actionButton('rollback', 'Roll back', s, actions.rollback)),
      s.replicas.length === 0 ? null : h('details', { class: 'replicas', open: state.openReplicas.has(s.name), 'data-replicas': s.name },
        h('summary', { 'data-replicas': s.name }, `${s.replicas.length} replica${s.replicas.length === 1 ? '' : 's'}`),
        h('div', { class: 'table-wrap' },
          h('table', {},
            h('thead', {}, h('tr', {}, ...['#', 'Version', 'State', 'Readiness', 'PID', 'Port', 'Uptime', 'Restarts']
              .map((t) => h('th', { scope: 'col' }, t)))),
            h('tbody', {}, replicaRows(s))))));
  }));
}

// ---- the selected rollout -----------------------------------------------------------------

// The versions of a deployment: stable first, then the new one, then any other seen in weights.
function versionsOf(detail) {
  const d = detail.deployment;
  const r = detail.rollout;
  const list = [];
  const add = (v) => { if (v && !list.includes(v)) list.push(v); };
  add(r?.stable?.version);
  for (const e of detail.events) {
    if (e.type === 'weight.changed') for (const v of Object.keys(e.data?.weights || {})) if (v !== d.version) add(v);
  }
  add(r?.canary?.version || d.version);
  return list;
}

function classOf(detail, version) {
  const canary = detail.rollout?.canary?.version || detail.deployment.version;
  if (version === canary) return 'v-new';
  const stable = detail.rollout?.stable?.version;
  return version === stable || !stable ? 'v-stable' : 'v-other';
}

function weightSeries(detail, now) {
  const d = detail.deployment;
  const changes = detail.events.filter((e) => e.type === 'weight.changed');
  const versions = versionsOf(detail);
  const end = d.completed_at ? msOf(d.completed_at) : now;
  const start = msOf(d.started_at);
  return versions.map((v) => {
    const points = [];
    if (changes.length && start !== null) {
      // Before the first change the old version had all the traffic, the new one none.
      const first = changes[0].data?.weights || {};
      points.push([start, v === d.version ? 0 : (v in first ? 100 : 0)]);
    }
    for (const e of changes) points.push([msOf(e.at), e.data?.weights?.[v] ?? 0]);
    return { name: v, cls: classOf(detail, v), points, step: true, end };
  });
}

function sampleSeries(detail, pick) {
  // The newest 150 intervals: a long analysis stays readable.
  const samples = detail.events.filter((e) => VERDICT_TYPES.has(e.type)).slice(-150);
  const stable = detail.rollout?.stable?.version || versionsOf(detail)[0] || 'stable';
  const canary = detail.rollout?.canary?.version || detail.deployment.version || 'canary';
  return [
    { name: `${stable} (baseline)`, cls: 'v-stable', points: samples.map((e) => [msOf(e.at), pick(e.data?.baseline)]) },
    { name: `${canary} (canary)`, cls: 'v-new', points: samples.map((e) => [msOf(e.at), pick(e.data?.canary)]) },
  ];
}

function currentWeights(detail) {
  if (detail.rollout?.weights && Object.keys(detail.rollout.weights).length) return detail.rollout.weights;
  const changes = detail.events.filter((e) => e.type === 'weight.changed');
  return changes.length ? changes[changes.length - 1].data?.weights || {} : {};
}

function renderWeights(root, detail) {
  const weights = currentWeights(detail);
  const names = Object.keys(weights);
  if (names.length === 0) {
    root.replaceChildren(h('li', { class: 'empty' }, 'No traffic weights recorded for this deployment.'));
    return;
  }
  names.sort((a, b) => versionsOf(detail).indexOf(a) - versionsOf(detail).indexOf(b));
  root.replaceChildren(...names.map((v) => {
    const w = Number(weights[v]) || 0;
    const bar = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
    bar.setAttribute('class', `bar ${classOf(detail, v)}`);
    bar.setAttribute('viewBox', '0 0 100 8');
    bar.setAttribute('preserveAspectRatio', 'none');
    bar.setAttribute('aria-hidden', 'true');
    const track = document.createElementNS('http://www.w3.org/2000/svg', 'rect');
    track.setAttribute('class', 'track');
    track.setAttribute('width', '100');
    track.setAttribute('height', '8');
    const fill = document.createElementNS('http://www.w3.org/2000/svg', 'rect');
    fill.setAttribute('class', 'fill');
    fill.setAttribute('width', String(Math.max(0, Math.min(100, w))));
    fill.setAttribute('height', '8');
    bar.append(track, fill);
    const role = classOf(detail, v) === 'v-new' ? 'new' : 'stable';
    return h('li', { 'data-version': v, class: classOf(detail, v) },
      h('span', { class: 'name' }, v, h('span', { class: 'role' }, ` ${role}`)),
      bar,
      h('span', { class: 'weight', 'data-weight': String(w) }, `${w}%`));
  }));
}

// The judge's reason; a passed interval often has none, so its checks speak for it.
function reasonOf(v) {
  if (v.reason) return v.reason;
  const checks = (v.checks || []).map((c) => c.detail || c.name).filter(Boolean);
  if (checks.length) return checks.join('; ');
  return v.outcome === 'pass' ? 'no check failed' : '(no reason given)';
}

function verdictItem(e) {
  const v = e.data || {};
  const side = (label, s) => (s ? `${label}: ${s.requests ?? 0} req, ${percent(s.success_rate)} ok, p95 ${ms(s.p95_ms)}` : null);
  const limit = v.failure_limit ? ` · failures ${v.failures ?? 0} of ${v.failure_limit}` : '';
  return h('li', { class: `verdict ${v.outcome || ''}`, 'data-outcome': v.outcome || '' },
    h('div', { class: 'verdict-head' },
      badge(v.outcome || e.type),
      h('time', { datetime: e.at }, timeOf(e.at)),
      v.interval ? h('span', { class: 'muted' }, `interval ${v.interval}`) : null,
      v.early ? h('span', { class: 'muted' }, 'early look') : null,
      e.type === 'analysis.failed' ? h('strong', {}, 'failure limit reached') : null),
    h('p', { class: 'reason' }, reasonOf(v)),
    h('p', { class: 'numbers muted' }, [side('canary', v.canary), side('baseline', v.baseline)].filter(Boolean).join(' · ') + limit));
}

// One line that says what an event is about, for the events list.
function eventSummary(e) {
  const d = e.data || {};
  switch (e.type) {
    case 'phase.changed': return `${d.from || '?'} → ${d.to || '?'}${d.reason ? `: ${d.reason}` : ''}`;
    case 'weight.changed': return Object.entries(d.weights || {}).map(([v, w]) => `${v} ${w}%`).join(', ');
    case 'analysis.sample': case 'analysis.failed': return `${d.outcome}: ${reasonOf(d)}`;
    case 'rollback.started': case 'deployment.rolled_back': return `${d.rule || ''}: ${d.reason || ''}`;
    case 'deployment.failed': case 'approval.required': return d.reason || '';
    case 'step.started': return `step ${(d.index ?? 0) + 1}: ${d.kind}${d.weight !== undefined ? ` ${d.weight}%` : ''}`;
    case 'promoted': case 'paused': case 'resumed': case 'deployment.aborted': return d.by ? `by ${d.by}` : '';
    case 'deployment.succeeded': return d.took_ms !== undefined ? `in ${duration(d.took_ms)}` : '';
    default: {
      const text = JSON.stringify(d);
      return text === '{}' ? '' : text.length > 160 ? `${text.slice(0, 157)}…` : text;
    }
  }
}

function fact(term, ...value) {
  return h('div', {}, h('dt', {}, term), h('dd', {}, ...value));
}

export function renderRollout(els, state, now = Date.now()) {
  const detail = state.selectedId && state.details.get(state.selectedId);
  if (!detail) {
    els.box.hidden = true;
    els.summary.textContent = state.selectedId ? `Loading ${state.selectedId}…` : 'No deployment yet.';
    return;
  }
  const d = detail.deployment;
  const r = detail.rollout;
  els.box.hidden = false;
  els.box.dataset.deployment = d.id;
  els.box.dataset.status = d.status;
  els.summary.replaceChildren(
    `${isActive(d) ? 'Running' : 'Finished'}: `, h('strong', {}, d.id), ` — ${d.service} ${d.version || ''} `, badge(d.status));
  const running = isActive(d);
  const took = d.duration_ms ?? (running ? now - msOf(d.started_at) : null);
  els.facts.replaceChildren(...[
    fact('Service', d.service),
    fact('Version', d.version || '—', d.from_revision_id ? h('span', { class: 'muted' }, ` (from ${d.from_revision_id})`) : ''),
    fact('Strategy', d.strategy || '—'),
    fact('Status', badge(d.status)),
    r ? fact('Step', `${r.step + 1} of ${r.steps}`, r.step_kind ? ` (${r.step_kind})` : '') : null,
    r?.waiting_for ? fact('Waits for', h('strong', {}, r.waiting_for)) : null,
    r ? fact('Failed intervals', `${r.failures} of ${r.failure_limit}`) : null,
    fact('Started', timeOf(d.started_at)),
    fact(running ? 'Running for' : 'Took', duration(took)),
    d.rollback_reason ? fact('Rollback reason', d.rollback_reason) : null,
  ].filter(Boolean));
  renderWeights(els.weights, detail);
  const verdicts = detail.events.filter((e) => VERDICT_TYPES.has(e.type));
  const splits = detail.events.some((e) => e.type === 'weight.changed');
  // A deployment that never split traffic (recreate, rolling, the first start) has no charts.
  els.charts.hidden = !splits && verdicts.length === 0;
  els.verdictsBox.hidden = verdicts.length === 0 && d.strategy !== 'canary';

  const weightSet = weightSeries(detail, now);
  const latest = weightSet.map((s) => `${s.name} ${s.points.length ? s.points[s.points.length - 1][1] : 0}%`).join(', ');
  lineChart(els.chartWeights, {
    series: weightSet, yMin: 0, yMax: 100, format: (v) => `${v}%`,
    label: `Traffic weights over time; now ${latest || 'none'}`,
    empty: 'No weight changes: this deployment did not split traffic.',
  });
  const successes = sampleSeries(detail, (s) => (s && s.success_rate !== null && s.success_rate !== undefined ? s.success_rate : null));
  lineChart(els.chartSuccess, {
    series: successes, yMin: 'auto', yMax: 1, format: (v) => percent(v, 1),
    label: `Success rate of baseline and canary over ${verdicts.length} analysis intervals`,
    empty: 'No analysis samples yet.',
  });
  const p95 = sampleSeries(detail, (s) => (s && s.p95_ms !== null && s.p95_ms !== undefined ? s.p95_ms : null));
  lineChart(els.chartP95, {
    series: p95, yMin: 0, unit: ' ms',
    format: (v) => (v === 0 ? '0' : v >= 10 ? String(Math.round(v)) : v >= 1 ? v.toFixed(1) : v.toFixed(2)),
    label: `p95 latency in milliseconds of baseline and canary over ${verdicts.length} analysis intervals`,
    empty: 'No analysis samples yet.',
  });

  els.verdicts.replaceChildren(...(verdicts.length
    ? verdicts.slice(-50).reverse().map(verdictItem)
    : [h('li', { class: 'empty' }, 'No verdicts yet: analysis judges the canary while it takes traffic.')]));
  els.events.replaceChildren(...detail.events.slice(-200).reverse().map((e) =>
    h('li', {}, h('time', { datetime: e.at }, timeOf(e.at)), ' ', h('code', {}, e.type), ' ', eventSummary(e))));
}

// ---- recent deployments -------------------------------------------------------------------

export function renderDeployments(tbody, state, now = Date.now()) {
  if (state.deployments.length === 0) {
    const text = state.deploymentsLoaded ? 'No deployments recorded yet.' : 'Loading…';
    tbody.replaceChildren(h('tr', {}, h('td', { colspan: 9, class: 'empty' }, text)));
    return;
  }
  tbody.replaceChildren(...state.deployments.map((d) => {
    const took = d.duration_ms ?? (isActive(d) ? now - msOf(d.started_at) : null);
    const selected = d.id === state.selectedId;
    return h('tr', { 'data-id': d.id, class: selected ? 'selected' : '', 'aria-current': selected ? 'true' : null },
      h('td', {}, h('button', { type: 'button', class: 'link', 'data-select': d.id, 'aria-label': `Show deployment ${d.id}` }, d.id)),
      h('td', { 'data-label': 'Service' }, d.service),
      h('td', { 'data-label': 'Version' }, d.version || '—'),
      h('td', { 'data-label': 'Strategy' }, d.strategy || '—'),
      h('td', { class: 'status', 'data-label': 'Status' }, badge(d.status)),
      h('td', { 'data-label': 'Started' }, h('time', { datetime: d.started_at }, timeOf(d.started_at))),
      h('td', { class: 'num', 'data-label': 'Duration' }, duration(took), isActive(d) ? '…' : ''),
      h('td', { class: 'num', 'data-label': 'Health' },
        d.health_score === null || d.health_score === undefined ? '—' : percent(d.health_score, 0)),
      h('td', { class: 'reason', 'data-label': d.rollback_reason ? 'Reason' : null }, d.rollback_reason || ''));
  }));
}

// ---- DORA ---------------------------------------------------------------------------------

function tile(id, title, value, detail, band, explain) {
  return h('article', { class: 'tile', 'data-metric': id, 'aria-labelledby': `dora-${id}` },
    h('h3', { id: `dora-${id}` }, title),
    h('p', { class: 'value' }, value),
    h('p', { class: 'detail muted' }, detail),
    h('p', { class: 'band' }, band && band !== 'none' ? badge(band) : h('span', { class: 'badge neutral', 'data-value': '' }, 'no band'),
      h('span', { class: 'sr-only' }, ` ${explain}`)));
}

export function renderDora(root, state) {
  if (state.doraError) {
    root.replaceChildren(h('p', { class: 'empty' }, `DORA metrics are not available: ${state.doraError}`));
    return;
  }
  const m = state.dora;
  if (!m) {
    root.replaceChildren(h('p', { class: 'empty' }, 'Loading…'));
    return;
  }
  const f = m.deployment_frequency || {};
  const l = m.lead_time || {};
  const c = m.change_failure_rate || {};
  const t = m.time_to_restore || {};
  const rate = (x) => {
    if (x === null || x === undefined) return '—';
    if (x === 0) return '0';
    return x < 0.1 ? x.toFixed(2) : x < 10 ? x.toFixed(1) : String(Math.round(x));
  };
  const plural = (n, word) => `${n ?? 0} ${word}${n === 1 ? '' : 's'}`;
  root.replaceChildren(
    h('p', { class: 'dora-scope muted' }, `${m.environment || 'all environments'} · last ${m.window_days ?? '?'} days`),
    h('div', { class: 'tiles' },
      tile('deployment_frequency', 'Deployment frequency', `${rate(f.per_day)} / day`,
        `${plural(f.deployments, 'deployment')} · ${rate(f.per_week)} / week`, f.band, 'performance band'),
      tile('lead_time', 'Lead time for changes', seconds(l.median_seconds),
        `median · p90 ${seconds(l.p90_seconds)} · ${plural(l.samples, 'sample')}`, l.band, 'performance band'),
      tile('change_failure_rate', 'Change failure rate', percent(c.rate),
        `${c.failed ?? 0} failed of ${c.total ?? 0}`, c.band, 'performance band'),
      tile('time_to_restore', 'Time to restore', seconds(t.median_seconds),
        `median · p90 ${seconds(t.p90_seconds)} · ${plural(t.samples, 'restore')}${t.open ? ` · ${t.open} open` : ''}`,
        t.band, 'performance band')));
}
