// DOM building (text only, never HTML from data) and the dashboard's number and time formats.

// h('td', {class: 'x', dataset: {id: 'd-1'}}, 'text', childNode, ...)
export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k === 'dataset') Object.assign(node.dataset, v);
    else if (k.startsWith('on') && typeof v === 'function') node.addEventListener(k.slice(2), v);
    else if (v === true) node.setAttribute(k, '');
    else node.setAttribute(k, String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

export function duration(ms) {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s - m * 60)} s`;
  const hours = Math.floor(m / 60);
  if (hours < 48) return `${hours} h ${m - hours * 60} min`;
  return `${Math.round(hours / 24)} days`;
}

export function seconds(s) {
  return s === null || s === undefined ? '—' : duration(s * 1000);
}

export function percent(fraction, digits = 1) {
  if (fraction === null || fraction === undefined || !Number.isFinite(fraction)) return '—';
  const p = fraction * 100;
  return `${p.toFixed(p === 100 || p === 0 ? 0 : digits)}%`;
}

export function ms(value) {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return value < 10 ? `${value.toFixed(2)} ms` : `${Math.round(value)} ms`;
}

export function timeOf(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const today = new Date();
  const sameDay = d.toDateString() === today.toDateString();
  const time = d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  return sameDay ? time : `${d.toLocaleDateString([], { month: 'short', day: 'numeric' })} ${time}`;
}

export function msOf(iso) {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? null : t;
}

export const TERMINAL = new Set(['succeeded', 'rolled_back', 'failed', 'aborted']);

export function isActive(deployment) {
  return !!deployment && !TERMINAL.has(deployment.status);
}

// The CSS class of a status word: good, bad, warn, busy or neutral.
export function tone(status) {
  switch (status) {
    case 'succeeded': case 'healthy': case 'pass': case 'running': case 'ready': case 'passing':
    case 'elite': case 'live':
      return 'good';
    case 'failed': case 'rolled_back': case 'unhealthy': case 'fail': case 'not_ready': case 'failing':
    case 'low': case 'offline':
      return 'bad';
    case 'aborted': case 'degraded': case 'rolling_back': case 'paused': case 'inconclusive':
    case 'backing_off': case 'medium': case 'reconnecting':
      return 'warn';
    case 'pending': case 'preflight': case 'provisioning': case 'progressing': case 'promoting':
    case 'starting': case 'draining': case 'stopping': case 'high':
      return 'busy';
    default:
      return 'neutral';
  }
}

export function badge(text, extraClass = '') {
  const word = text === null || text === undefined || text === '' ? '—' : String(text);
  return h('span', { class: `badge ${tone(word)} ${extraClass}`.trim(), 'data-value': word },
    word.replace(/_/g, ' '));
}
