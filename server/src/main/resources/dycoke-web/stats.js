// The figures of one answer: the token budgets and KV bytes, and a bar per stage of its seconds.
import { el } from './dom.js';

const STAGES = ['decode_video', 'preprocess', 'vision', 'project_pool', 'compress', 'prefill', 'generate'];

function bytes(n) {
  if (!(n >= 0)) return '?';
  const u = ['B', 'KiB', 'MiB', 'GiB'];
  let i = 0;
  while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
  return `${n.toFixed(i ? 1 : 0)} ${u[i]}`;
}

export function renderStats(box, d) {
  box.replaceChildren();
  const table = el('table', 'budgets');
  const rows = [
    ['visual tokens pooled', d.visual_tokens_pooled, 'pooled'],
    ['visual tokens kept', d.visual_tokens_kept, 'kept'],
    ['attended per step (mean)', Number(d.visual_tokens_attended_mean).toFixed(1), 'attended'],
    ['prefill FLOPs', Number(d.flops_llm).toPrecision(3), 'flops'],
    ['KV cache', bytes(d.kv_bytes) + (d.kv_bytes_pruned ? ` (${bytes(d.kv_bytes_pruned)} compact)` : ''), 'kv'],
    ['prompt tokens', d.prompt_tokens, 'prompt'],
    ['seconds in all', Number(d.seconds && d.seconds.total).toFixed(3), 'total'],
  ];
  for (const [name, value, key] of rows) {
    const tr = el('tr');
    tr.dataset.stat = key;
    tr.append(el('th', null, name), el('td', null, String(value)));
    table.append(tr);
  }
  box.append(table);
  const s = d.seconds || {};
  const max = Math.max(1e-9, ...STAGES.map(k => Number(s[k]) || 0));
  const chart = el('div', 'stage-chart');
  chart.setAttribute('role', 'img');
  chart.setAttribute('aria-label', 'seconds per stage');
  for (const k of STAGES) {
    const v = Number(s[k]) || 0;
    const row = el('div', 'bar-row');
    const bar = el('div', 'bar');
    bar.style.width = `${(100 * v / max).toFixed(1)}%`; // CSSOM, which the page's CSP allows (no inline style attribute)
    const track = el('div', 'bar-track');
    track.append(bar);
    row.append(el('span', 'bar-label', k.replace('_', ' ')), track, el('span', 'bar-value', `${v.toFixed(3)} s`));
    chart.append(row);
  }
  box.append(chart);
}
