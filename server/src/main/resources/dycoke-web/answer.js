// One answer card: its text streams in from Server-Sent Events. Every piece of model output goes into the page as
// text (textContent), never as markup.
import { renderStats } from './stats.js';
import { renderKeptMap } from './keptmap.js';
import { el } from './dom.js';

/** A new card titled {@code title} in {@code parent}: {root, answer, meta, stats, map, error}. */
export function newCard(parent, title) {
  const root = el('article', 'card');
  root.append(el('h3', 'method-name', title));
  const answer = el('p', 'answer');
  const meta = el('p', 'meta muted');
  const error = el('p', 'error');
  error.setAttribute('role', 'alert');
  const stats = el('div', 'stats');
  const map = el('div', 'kept-map');
  root.append(answer, meta, error, stats, map);
  parent.append(root);
  return { root, answer, meta, stats, map, error };
}

/** Appends streamed text to an answer: as a text node. */
export function appendText(answerEl, text) {
  answerEl.append(document.createTextNode(text));
}

/**
 * Reads a streamed completion into {@code card}; resolves to the {@code dycoke} block of its last chunk (or null).
 * Each {@code data:} line is one chunk; errors inside the stream are shown on the card.
 */
export async function readAnswer(response, card, t0) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buf = '', dycoke = null, first = true;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += decoder.decode(value, { stream: true });
    let cut;
    while ((cut = buf.indexOf('\n\n')) >= 0) {
      const event = buf.slice(0, cut);
      buf = buf.slice(cut + 2);
      for (const line of event.split('\n')) {
        if (!line.startsWith('data:')) continue;
        const data = line.slice(5).trim();
        if (data === '[DONE]') continue;
        let chunk;
        try { chunk = JSON.parse(data); } catch (e) { continue; }
        if (chunk.error) { card.error.textContent = String(chunk.error.message); continue; }
        const delta = chunk.choices && chunk.choices[0] && chunk.choices[0].delta;
        if (delta && typeof delta.content === 'string' && delta.content) {
          if (first && t0 !== undefined) { card.meta.dataset.ttft = String((performance.now() - t0) / 1000); first = false; }
          appendText(card.answer, delta.content);
        }
        if (chunk.dycoke) dycoke = chunk.dycoke;
      }
    }
  }
  return dycoke;
}

/** Shows what an answer cost and what its method kept. */
export function finishCard(card, dycoke, video, frames) {
  card.root.classList.add('done');
  if (!dycoke) return;
  const cached = dycoke.vision_cached ? 'vision cached' : 'vision computed';
  const ttft = dycoke.seconds ? dycoke.seconds.ttft : NaN;
  card.meta.textContent = `${cached} · first token after ${Number(ttft).toFixed(3)} s · ${dycoke.generated_tokens} tokens`;
  renderStats(card.stats, dycoke);
  if (dycoke.kept) renderKeptMap(card.map, dycoke.kept, video, frames);
}
