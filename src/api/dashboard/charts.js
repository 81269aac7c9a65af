// Small SVG line charts for the dashboard: time on x, one line per version, gaps where a value
// is unknown. No library: a few hundred lines we can read are enough for three charts.

const SVG = 'http://www.w3.org/2000/svg';

function el(name, attrs = {}, text) {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) {
    if (v !== undefined && v !== null) node.setAttribute(k, String(v));
  }
  if (text !== undefined) node.textContent = text;
  return node;
}

// "Nice" ticks between lo and hi: steps of 1, 2 or 5 times a power of ten.
export function niceTicks(lo, hi, count = 4) {
  if (!(hi > lo)) hi = lo + 1;
  const raw = (hi - lo) / count;
  const power = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= raw) || raw;
  const ticks = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) {
    ticks.push(Number(t.toFixed(10)));
  }
  return ticks;
}

function timeTicks(x0, x1, width) {
  const count = Math.max(2, Math.min(6, Math.floor(width / 90)));
  const span = Math.max(1, x1 - x0);
  const steps = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 86400];
  const step = (steps.find((s) => (span / 1000) / s <= count) || 86400) * 1000;
  const out = [];
  for (let t = Math.ceil(x0 / step) * step; t <= x1; t += step) out.push(t);
  return out;
}

function clock(ms) {
  return new Date(ms).toLocaleTimeString([], {
    hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
  });
}

// Renders (or re-renders) a chart into `box`.
//   series: [{ name, cls, points: [[timeMs, value|null], ...], step?: boolean, end?: timeMs }]
//   yMin / yMax: fixed bounds (yMax undefined: from the data); format(value) -> label text
//   label: what a screen reader hears (the chart is role="img"); empty: text shown instead.
export function lineChart(box, { series, yMin = 0, yMax, format = String, unit = '', label, empty }) {
  box.replaceChildren(); // first, so that the old drawing does not widen the box we measure
  const width = Math.max(220, Math.floor(box.clientWidth || 320));
  const height = 190;
  const pad = { left: 50, right: 14, top: 10, bottom: 26 };

  const all = series.flatMap((s) => s.points.filter((p) => p[1] !== null && Number.isFinite(p[1])));
  if (all.length === 0) {
    const p = document.createElement('p');
    p.className = 'chart-empty';
    p.textContent = empty || 'No data yet.';
    box.append(p);
    return;
  }
  const xs = series.flatMap((s) => s.points.map((p) => p[0]).concat(s.end ? [s.end] : []));
  let x0 = Math.min(...xs);
  let x1 = Math.max(...xs);
  if (x1 - x0 < 1000) x1 = x0 + 1000;
  let hi = yMax;
  if (hi === undefined) {
    // The top tick at or above the largest value, so no line leaves the chart.
    const top = Math.max(...all.map((p) => p[1]));
    const ticks = niceTicks(yMin, top > yMin ? top * 1.1 : yMin + 1);
    const step = ticks.length > 1 ? ticks[1] - ticks[0] : 1;
    hi = ticks[ticks.length - 1];
    while (hi < top) hi += step;
  }
  let lo = yMin;
  if (lo === 'auto') {
    const bottom = Math.min(...all.map((p) => p[1]));
    lo = Math.max(0, Math.floor((bottom - (hi - bottom) * 0.2) * 100) / 100);
    if (lo >= hi) lo = hi - 0.01;
  }

  const innerW = width - pad.left - pad.right;
  const innerH = height - pad.top - pad.bottom;
  const sx = (t) => pad.left + ((t - x0) / (x1 - x0)) * innerW;
  const sy = (v) => pad.top + innerH - ((v - lo) / (hi - lo)) * innerH;

  const svg = el('svg', {
    width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': label || '',
    class: 'chart-svg',
  });
  const grid = el('g', { class: 'grid', 'aria-hidden': 'true' });
  for (const t of niceTicks(lo, hi)) {
    if (t < lo || t > hi) continue;
    const y = sy(t);
    grid.append(el('line', { x1: pad.left, x2: width - pad.right, y1: y, y2: y }));
    grid.append(el('text', { x: pad.left - 6, y: y + 4, 'text-anchor': 'end' }, format(t)));
  }
  let lastLabel = -Infinity;
  for (const t of timeTicks(x0, x1, innerW)) {
    const x = sx(t);
    grid.append(el('line', { class: 'tick', x1: x, x2: x, y1: pad.top + innerH, y2: pad.top + innerH + 4 }));
    // A label is about 50 px wide: the edges' are pushed inwards, and none overlaps another.
    const left = Math.min(Math.max(x - 25, 0), width - 52);
    if (left < lastLabel + 60) continue;
    lastLabel = left;
    grid.append(el('text', { x: left + 25, y: height - 6, 'text-anchor': 'middle' }, clock(t)));
  }
  grid.append(el('line', { class: 'axis', x1: pad.left, x2: width - pad.right, y1: pad.top + innerH, y2: pad.top + innerH }));
  svg.append(grid);

  for (const s of series) {
    const g = el('g', { class: `series ${s.cls || ''}` });
    let d = '';
    let pen = false;
    let last = null;
    for (const [t, v] of s.points) {
      if (v === null || !Number.isFinite(v)) {
        pen = false;
        continue;
      }
      const x = sx(t).toFixed(1);
      const y = sy(v).toFixed(1);
      if (!pen) d += `M${x},${y}`;
      else if (s.step && last) d += `H${x}V${y}`;
      else d += `L${x},${y}`;
      pen = true;
      last = [t, v];
    }
    if (s.step && last && s.end && s.end > last[0]) d += `H${sx(s.end).toFixed(1)}`;
    if (d) g.append(el('path', { d, class: 'line' }));
    if (!s.step && s.points.length <= 40) {
      for (const [t, v] of s.points) {
        if (v === null || !Number.isFinite(v)) continue;
        const dot = el('circle', { cx: sx(t).toFixed(1), cy: sy(v).toFixed(1), r: 3, class: 'dot' });
        dot.append(el('title', {}, `${s.name} ${clock(t)}: ${format(v)}${unit}`));
        g.append(dot);
      }
    }
    svg.append(g);
  }
  box.append(svg);

  const legend = document.createElement('ul');
  legend.className = 'legend';
  for (const s of series) {
    const li = document.createElement('li');
    li.className = s.cls || '';
    const swatch = el('svg', { width: 22, height: 10, 'aria-hidden': 'true', class: 'swatch' });
    swatch.append(el('line', { x1: 1, x2: 21, y1: 5, y2: 5, class: 'line' }));
    const known = s.points.filter((p) => p[1] !== null && Number.isFinite(p[1]));
    const latest = known.length ? format(known[known.length - 1][1]) + unit : '—';
    const text = document.createElement('span');
    text.textContent = `${s.name}: ${latest}`;
    li.append(swatch, text);
    legend.append(li);
  }
  box.append(legend);
}
