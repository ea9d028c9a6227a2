// The page: a video (uploaded or picked on the server), a method and budget from the server's registry, questions
// whose answers stream in, one card per method (two in compare mode).
import * as api from './api.js';
import { newCard, readAnswer, finishCard } from './answer.js';
import { el } from './dom.js';

const $ = id => document.getElementById(id);
const state = { methods: [], server: null, video: null };

function bytes(n) {
  return n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} B`;
}

async function loadServer() {
  try {
    const m = await api.getJson('/v1/dycoke/methods');
    state.methods = m.data;
    state.server = m.server;
    $('model-name').textContent = m.server.model;
    $('cap').textContent = bytes(m.server.max_media_bytes);
    $('frames').value = String(m.server.frames);
    $('frames').max = String(m.server.max_frames);
    $('max-tokens').value = String(m.server.max_tokens);
    for (const sel of [$('method'), $('method-b')]) {
      sel.replaceChildren(...m.data.map(x => { const o = el('option', null, x.name); o.value = x.name; return o; }));
    }
    $('method').value = m.server.compress;
    $('method-b').value = m.data.some(x => x.name === 'dycoke') && m.server.compress !== 'dycoke' ? 'dycoke' : 'none';
    methodChanged();
    $('key-status').textContent = api.apiKey() ? 'key in use (this tab only)' : '';
    $('video-error').textContent = '';
    if (m.server.local_media) loadLocal();
  } catch (e) {
    $('video-error').textContent = e.message;
  }
}

async function loadLocal() {
  const list = await api.getJson('/v1/dycoke/local-videos');
  $('local-list').replaceChildren(...list.data.map(f => { const o = el('option', null, `${f.name} (${bytes(f.bytes)})`); o.value = f.name; return o; }));
  $('local').hidden = list.data.length === 0;
}

function spec(name) {
  return state.methods.find(m => m.name === name);
}

function methodChanged() {
  const m = spec($('method').value);
  if (!m) return;
  const kind = $('budget-kind');
  const opts = [['default', `method default (${m.budget === 'match_ttm' ? 'as many as TTM keeps' : 'its ratio'})`]];
  if (m.takes_ratio) opts.push(['ratio', 'retained ratio']);
  kind.replaceChildren(...opts.map(([v, t]) => { const o = el('option', null, t); o.value = v; return o; }));
  $('ratio').disabled = true;
  const box = $('options');
  box.replaceChildren();
  for (const k of m.keys) {
    if (k === 'ratio') continue;
    const input = el('input');
    input.name = k;
    input.dataset.option = k;
    input.placeholder = m.defaults[k] !== undefined ? m.defaults[k] : '';
    const label = el('label', null, `${k} `);
    label.append(input);
    box.append(label);
  }
}

/** The dycoke extension object of a request: the method, its budget and options, the frames, the kept trace. */
function engine(method, ratio, withOptions) {
  const ext = { compress: method, frames: Number($('frames').value), trace_kept: true };
  const m = spec(method);
  if (ratio !== null && m && m.takes_ratio) ext.ratio = ratio;
  if (withOptions) for (const input of $('options').querySelectorAll('input[data-option]')) if (input.value.trim()) ext[input.dataset.option] = input.value.trim();
  return ext;
}

async function useVideo(v, how) {
  state.video = v;
  $('video-status').textContent = `${how}: ${bytes(v.bytes)}, id ${v.id.slice(0, 12)}…`;
  $('video-status').dataset.id = v.id;
  $('video-error').textContent = '';
  $('ask').disabled = false;
}

async function uploadFile(file) {
  const bar = $('upload-progress');
  bar.hidden = false;
  bar.value = 0;
  $('video-error').textContent = '';
  try {
    const v = await api.upload(file, f => { bar.value = f; });
    bar.value = 1;
    await useVideo(v, `uploaded ${file.name}`);
  } catch (e) {
    $('video-error').textContent = e.message;
  } finally {
    bar.hidden = true;
  }
}

async function ask(ev) {
  ev.preventDefault();
  const question = $('question').value.trim();
  if (!question || !state.video) return;
  const turn = el('section', 'turn');
  turn.append(el('p', 'question', question));
  const cols = el('div', 'columns');
  turn.append(cols);
  $('chat').prepend(turn);
  const frames = Number($('frames').value);
  const a = { method: $('method').value, ratio: $('budget-kind').value === 'ratio' ? Number($('ratio').value) : null, options: true };
  const runs = [a];
  if ($('compare').checked) runs.push({ method: $('method-b').value, ratio: $('ratio-b').disabled ? null : Number($('ratio-b').value), options: false });
  const video = state.video.id;
  await Promise.all(runs.map(async r => {
    const card = newCard(cols, r.method + (r.ratio !== null ? ` @ ${r.ratio}` : ''));
    card.root.dataset.method = r.method;
    const body = {
      messages: [{ role: 'user', content: [{ type: 'video_url', video_url: { url: state.video.url } }, { type: 'text', text: question }] }],
      max_tokens: Number($('max-tokens').value), stream: true, stream_options: { include_usage: true },
      dycoke: engine(r.method, r.ratio, r.options),
    };
    try {
      const res = await api.chat(body);
      const d = await readAnswer(res, card, performance.now());
      finishCard(card, d, video, frames);
    } catch (e) {
      card.error.textContent = e.message;
      card.root.classList.add('done', 'failed');
    }
  }));
}

function wire() {
  $('key-form').addEventListener('submit', e => { e.preventDefault(); api.setApiKey($('api-key').value.trim()); $('api-key').value = ''; loadServer(); });
  $('method').addEventListener('change', methodChanged);
  $('budget-kind').addEventListener('change', () => { $('ratio').disabled = $('budget-kind').value !== 'ratio'; });
  $('compare').addEventListener('change', () => {
    $('method-b').disabled = !$('compare').checked;
    $('ratio-b').disabled = !$('compare').checked || !(spec($('method-b').value) || {}).takes_ratio;
  });
  $('method-b').addEventListener('change', () => { $('ratio-b').disabled = !(spec($('method-b').value) || {}).takes_ratio; });
  $('file').addEventListener('change', () => { if ($('file').files[0]) uploadFile($('file').files[0]); });
  const drop = $('drop');
  drop.addEventListener('dragover', e => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', e => {
    e.preventDefault();
    drop.classList.remove('over');
    if (e.dataTransfer.files[0]) uploadFile(e.dataTransfer.files[0]);
  });
  $('pick-local').addEventListener('click', async () => {
    try {
      const name = $('local-list').value;
      await useVideo(await api.postJson('/v1/dycoke/local-videos', { name }), name);
    } catch (e) {
      $('video-error').textContent = e.message;
    }
  });
  $('ask-form').addEventListener('submit', ask);
}

wire();
loadServer();
