// The kept map: each sampled frame's thumbnail under its grid of pooled tokens, each cell kept, merged or dropped
// (told apart by pattern and letter as well as colour), with counts per frame; a second layer shows the tokens the
// layers above the in-LLM method attend to (FastV's, or DyCoke's DP at the step the slider picks).
import { el } from './dom.js';
import { frameUrl } from './api.js';

const NAMES = { k: 'kept', m: 'merged', d: 'dropped' };

export function renderKeptMap(box, kept, video, frames) {
  box.replaceChildren();
  const [rows, cols] = kept.grid;
  const total = kept.indices.length;
  const head = el('p', 'kept-total');
  head.append(el('strong', 'kept-count', String(total)), document.createTextNode(` of ${kept.frames * kept.tokens_per_frame} visual tokens kept (${kept.method})`));
  box.append(head);
  const legend = el('p', 'legend');
  for (const f of ['k', 'm', 'd']) {
    const sw = el('span', `swatch ${NAMES[f]}`);
    legend.append(sw, document.createTextNode(` ${NAMES[f]}  `));
  }
  box.append(legend);

  const layer = kept.dp && kept.dp.attended ? 'dp' : kept.prefill ? 'prefill' : null;
  let slider = null, sliderLabel = null;
  if (layer === 'dp' && kept.dp.attended.length > 0) {
    const ctl = el('div', 'dp-control');
    sliderLabel = el('span', 'dp-label');
    slider = el('input', 'dp-step');
    slider.type = 'range';
    slider.min = '0';
    slider.max = String(kept.dp.attended.length);
    slider.value = '0';
    slider.setAttribute('aria-label', 'decode step');
    ctl.append(el('span', null, `DP (layers ${kept.dp.layer}+) at decode step `), slider, sliderLabel);
    box.append(ctl);
  } else if (layer === 'prefill') {
    box.append(el('p', 'muted', `FastV: layers above ${kept.prefill.layer} see ${kept.prefill.kept.length} of them (others faded)`));
  }

  const grid = el('div', 'frames');
  const cellsByIndex = new Map();
  for (let f = 0; f < kept.frames; f++) {
    const fig = el('figure', 'frame');
    const stack = el('div', 'frame-stack');
    const img = el('img', 'thumb');
    const shown = kept.thumbnails ? kept.thumbnails[f] : f; // a Qwen2.5-VL row is two frames: it shows the first
    img.alt = `frame ${shown}`;
    frameUrl(video, frames, shown).then(u => { img.src = u; }).catch(() => img.classList.add('missing'));
    const cells = el('div', 'cells');
    cells.style.gridTemplateColumns = `repeat(${cols}, 1fr)`;
    cells.style.gridTemplateRows = `repeat(${rows}, 1fr)`;
    const fate = kept.fate[f];
    for (let p = 0; p < fate.length; p++) {
      const c = el('div', `cell ${NAMES[fate[p]]}`);
      c.title = `frame ${f}, token ${p}: ${NAMES[fate[p]]}`;
      cells.append(c);
      cellsByIndex.set(f * kept.tokens_per_frame + p, c);
    }
    stack.append(img, cells);
    const n = kept.counts[f];
    fig.append(stack, el('figcaption', null, `#${f}: ${n.kept} kept · ${n.merged} merged · ${n.dropped} dropped`));
    grid.append(fig);
  }
  box.append(grid);

  const showAttended = set => {
    for (const i of kept.indices) {
      const c = cellsByIndex.get(i);
      const on = set === null || set.has(i);
      c.classList.toggle('attended', set !== null && on);
      c.classList.toggle('unattended', !on);
    }
  };
  if (layer === 'prefill') showAttended(new Set(kept.prefill.kept));
  if (slider) {
    const update = () => {
      const s = Number(slider.value);
      if (s === 0) {
        sliderLabel.textContent = ' prefill: every kept token';
        showAttended(null);
        return;
      }
      const a = kept.dp.attended[s - 1];
      sliderLabel.textContent = a === null ? ` ${s}: every kept token` : ` ${s}: ${a.length} attended`;
      showAttended(a === null ? null : new Set(a));
    };
    slider.addEventListener('input', update);
    update();
  }
}
