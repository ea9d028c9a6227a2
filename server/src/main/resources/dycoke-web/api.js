// The server's API as the page uses it. The API key lives in this tab's session storage only.
const KEY = 'dycoke.apiKey';

export function apiKey() {
  return sessionStorage.getItem(KEY) || '';
}

export function setApiKey(k) {
  if (k) sessionStorage.setItem(KEY, k); else sessionStorage.removeItem(KEY);
}

function headers(extra = {}) {
  const h = { ...extra };
  const k = apiKey();
  if (k) h.Authorization = 'Bearer ' + k;
  return h;
}

/** The error message of a failed response: the server's OpenAI-shaped error, or the status. */
export async function errorOf(res) {
  try {
    const body = await res.json();
    if (body && body.error && typeof body.error.message === 'string') return body.error.message;
  } catch (e) { /* not JSON */ }
  return 'HTTP ' + res.status;
}

export async function getJson(path) {
  const res = await fetch(path, { headers: headers() });
  if (!res.ok) throw new Error(await errorOf(res));
  return res.json();
}

export async function postJson(path, body) {
  const res = await fetch(path, { method: 'POST', headers: headers({ 'Content-Type': 'application/json' }), body: JSON.stringify(body) });
  if (!res.ok) throw new Error(await errorOf(res));
  return res.json();
}

/** Uploads a file (XMLHttpRequest, for the progress events); resolves to {id, url, bytes}. */
export function upload(file, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/v1/dycoke/videos');
    for (const [k, v] of Object.entries(headers({ 'Content-Type': file.type || 'application/octet-stream' }))) xhr.setRequestHeader(k, v);
    xhr.upload.onprogress = e => { if (e.lengthComputable) onProgress(e.loaded / e.total); };
    xhr.onload = () => {
      let body = null;
      try { body = JSON.parse(xhr.responseText); } catch (e) { /* not JSON */ }
      if (xhr.status === 200 && body) resolve(body);
      else reject(new Error(body && body.error && typeof body.error.message === 'string' ? body.error.message : 'HTTP ' + xhr.status));
    };
    xhr.onerror = () => reject(new Error('the upload failed (the connection closed)'));
    xhr.send(file);
  });
}

/** A sampled frame's thumbnail as an object URL (fetched with the key, which an <img> could not send). */
export async function frameUrl(id, frames, index) {
  const res = await fetch(`/v1/dycoke/videos/${encodeURIComponent(id)}/frames/${index}?frames=${frames}`, { headers: headers() });
  if (!res.ok) throw new Error(await errorOf(res));
  return URL.createObjectURL(await res.blob());
}

/** Starts a streamed chat completion; resolves to the Response (the caller reads its events). */
export async function chat(body, signal) {
  const res = await fetch('/v1/chat/completions', {
    method: 'POST', headers: headers({ 'Content-Type': 'application/json' }), body: JSON.stringify(body), signal,
  });
  if (!res.ok) throw new Error(await errorOf(res));
  return res;
}
