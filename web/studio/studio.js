/*
 * The studio page's script: plain modern browser JavaScript (an ES module, no framework, no build step).
 * Every word comes from the page's #studio-messages JSON (the `studio.client` catalog section); element ids and
 * data attributes follow the DOM contract the browser tests drive. Uploads use tus-js-client's bundle (window.tus).
 */

const $ = (selector, root = document) => root.querySelector(selector);

const messages = JSON.parse($('#studio-messages')?.textContent || '{}');
const csrf = $('meta[name="csrf-token"]')?.getAttribute('content') || '';
const body = document.body;

/**
 * The server's paths as seen from this page: the page is …/studio, so "/studio/api/me" is <that prefix>studio/api/me
 * (the web server may sit under a path behind a proxy).
 */
const prefix = location.pathname.replace(/studio\/?$/, '');
const at = (path) => prefix + path.replace(/^\//, '');
/** A URL the server gave us: its /studio/… paths are seen from this page like ours. */
const serverUrl = (url) => (typeof url === 'string' && url.startsWith('/studio/') ? at(url) : url);

/** A catalog string with its {name} placeholders filled in. */
function t(key, params = {}) {
  const template = typeof messages[key] === 'string' ? messages[key] : key;
  return template.replace(/\{([a-zA-Z]+)\}/g, (whole, name) => (Object.hasOwn(params, name) ? String(params[name]) : whole));
}

/** A DOM element: attributes (class, text, on:{event:fn}, boolean true → empty attribute), then children. */
function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key === 'text') el.textContent = value;
    else if (key === 'on') for (const [event, fn] of Object.entries(value)) el.addEventListener(event, fn);
    else if (value === true) el.setAttribute(key, '');
    else el.setAttribute(key, String(value));
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined && child !== false) el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function formatSeconds(seconds) {
  if (seconds < 60) return t('seconds', { n: Math.round(seconds * 10) / 10 });
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds - m * 60);
  return s === 0 ? t('minutes', { m }) : t('minutesSeconds', { m, s });
}

function formatBytes(bytes) {
  if (bytes < 1024 * 1024) return t('kilobytes', { n: Math.max(1, Math.round(bytes / 1024)) });
  const mb = bytes / (1024 * 1024);
  return t('megabytes', { n: mb < 10 ? mb.toFixed(1) : Math.round(mb) });
}

function notify(text) {
  const notice = $('#notice');
  if (notice) notice.textContent = text || '';
}

// ---------------------------------------------------------------------------------------------------------------
// The API

class ApiError extends Error {
  constructor(message, code, status) {
    super(message);
    this.code = code;
    this.status = status;
  }
}

let sessionOver = false;

function endSession() {
  sessionOver = true;
  notify(t('sessionEnded'));
  events?.close();
  body.dataset.live = 'closed';
}

/** fetch with the CSRF header on state changes; errors become ApiError with the server's localized text. */
async function api(method, url, payload) {
  const headers = { Accept: 'application/json' };
  if (method !== 'GET' && method !== 'HEAD') headers['X-CSRF-Token'] = csrf;
  if (payload !== undefined) headers['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(at(url), { method, headers, credentials: 'same-origin', body: payload === undefined ? undefined : JSON.stringify(payload) });
  } catch {
    throw new ApiError(t('networkError'), 'network', 0);
  }
  if (res.status === 401) endSession();
  if (!res.ok) {
    let data = null;
    try {
      data = await res.json();
    } catch {
      data = null;
    }
    throw new ApiError(data && typeof data.error === 'string' ? data.error : t('genericError'), data && data.code, res.status);
  }
  if (res.status === 204) return null;
  return (res.headers.get('content-type') || '').includes('json') ? res.json() : null;
}

// ---------------------------------------------------------------------------------------------------------------
// Uploads: one audio, many templates, each a card

const state = {
  me: null,
  audio: null,
  templates: [],
  recentAudios: [],
  batches: new Map(),
  historyIds: [],
  page: 1,
  pages: 1,
  confirming: new Set(),
};

let nextKey = 1;

function newItem(kind, name, bytes) {
  return { key: `u${nextKey++}`, kind, id: '', name, bytes, status: 'uploading', percent: 0, seconds: null, isImage: false, thumbUrl: null, mediaUrl: null, refusal: null, tus: null, removed: false, el: null };
}

const uploadPath = (id, tail = '') => `/studio/api/uploads/${encodeURIComponent(id)}${tail}`;
const uploadUrl = (id, tail = '') => at(uploadPath(id, tail));

function idFromTusUrl(url) {
  try {
    return decodeURIComponent(new URL(url, location.href).pathname.split('/').filter(Boolean).pop() || '');
  } catch {
    return '';
  }
}

/** The text of a failed tus request: the server's localized `{error}` when it sent one. */
function tusErrorText(err) {
  const res = err && err.originalResponse;
  if (res) {
    try {
      const data = JSON.parse(res.getBody());
      if (data && typeof data.error === 'string') return t('uploadFailed', { reason: data.error });
    } catch {
      // not JSON: fall through to our own sentence
    }
    if (res.getStatus() === 401) endSession();
  }
  return t('uploadFailedRetry');
}

function applyRecord(item, record) {
  item.id = record.id || item.id;
  item.name = record.label || item.name;
  item.bytes = typeof record.bytes === 'number' ? record.bytes : item.bytes;
  item.status = record.status === 'refused' ? 'refused' : record.status === 'ready' ? 'ready' : item.status;
  item.seconds = typeof record.seconds === 'number' ? record.seconds : null;
  item.isImage = record.isImage === true;
  item.thumbUrl = record.thumbUrl ? serverUrl(record.thumbUrl) : record.hasThumb ? uploadUrl(item.id, '/thumb') : null;
  item.mediaUrl = record.mediaUrl ? serverUrl(record.mediaUrl) : uploadUrl(item.id, '/media');
  const refusal = record.refusal || {};
  item.refusal = item.status === 'refused' ? record.refusalText || refusal.text || refusal.message || t('genericError') : null;
}

/** After the last byte: the server checks the file; ask until it says ready or refused. */
async function waitChecked(item) {
  let delay = 150;
  for (let attempt = 0; attempt < 400 && !item.removed && !sessionOver; attempt++) {
    try {
      const data = await api('GET', uploadPath(item.id));
      const record = data && data.upload ? data.upload : data;
      if (record && record.status && record.status !== 'uploading') {
        applyRecord(item, record);
        renderItem(item);
        updateStart();
        if (item.kind === 'audio' && item.status === 'ready') loadRecentAudios().catch(() => undefined);
        return;
      }
    } catch (err) {
      if (err.status >= 400 && err.status < 500) {
        item.status = 'failed';
        item.refusal = err.message;
        renderItem(item);
        updateStart();
        return;
      }
    }
    await sleep(delay);
    delay = Math.min(2000, Math.round(delay * 1.5));
  }
}

function upload(item, file) {
  const tus = window.tus;
  if (!tus || !tus.Upload) {
    item.status = 'failed';
    item.refusal = t('genericError');
    renderItem(item);
    return;
  }
  const transfer = new tus.Upload(file, {
    // Absolute: tus-js-client resolves the server's Location (which may be relative) against it.
    endpoint: new URL(at('/studio/uploads'), location.href).href,
    headers: { 'X-CSRF-Token': csrf },
    metadata: { filename: file.name, filetype: file.type || 'application/octet-stream', kind: item.kind },
    retryDelays: [0, 1000, 3000, 5000, 10000, 20000],
    // Several requests for big files: proxies in front of the server often cap one request's body (100 MB is common).
    chunkSize: 50 * 1024 * 1024,
    // Remembered in localStorage until done: adding the same file again after a reload resumes where it stopped.
    removeFingerprintOnSuccess: true,
    onUploadUrlAvailable() {
      item.id = idFromTusUrl(transfer.url);
      if (item.el) item.el.dataset.uploadId = item.id;
    },
    onProgress(sent, total) {
      const percent = total > 0 ? Math.floor((100 * sent) / total) : 0;
      if (percent !== item.percent) {
        item.percent = percent;
        updateProgress(item);
      }
    },
    onShouldRetry(err) {
      const status = err && err.originalResponse ? err.originalResponse.getStatus() : 0;
      return !(status >= 400 && status < 500 && ![408, 409, 423, 429].includes(status));
    },
    onError(err) {
      if (item.removed) return;
      item.status = 'failed';
      item.refusal = tusErrorText(err);
      renderItem(item);
      updateStart();
    },
    onSuccess() {
      if (item.removed) return;
      item.id = idFromTusUrl(transfer.url);
      item.status = 'checking';
      item.percent = 100;
      renderItem(item);
      updateStart();
      waitChecked(item);
    },
  });
  item.tus = transfer;
  transfer
    .findPreviousUploads()
    .then((previous) => {
      // An unfinished upload of this very file (name, type, size, date) from an earlier visit: go on with it. A
      // server that no longer knows it answers 404, and tus-js-client starts afresh.
      if (previous.length > 0) transfer.resumeFromPreviousUpload(previous[0]);
    })
    .catch(() => undefined)
    .finally(() => {
      if (!item.removed) transfer.start();
    });
}

function stateText(item) {
  if (item.status === 'uploading') return t('uploading', { percent: item.percent });
  if (item.status === 'checking') return t('checking');
  if (item.status === 'ready') return t('ready');
  return '';
}

function metaText(item) {
  const parts = [];
  if (item.isImage) parts.push(t('picture'));
  else if (typeof item.seconds === 'number') parts.push(formatSeconds(item.seconds));
  if (item.bytes > 0) parts.push(formatBytes(item.bytes));
  return parts.join(' · ');
}

function updateProgress(item) {
  const el = item.el;
  if (!el) return;
  const bar = $('progress.upload-progress', el);
  if (bar) bar.value = item.percent;
  const text = $('.upload-state', el);
  if (text) text.textContent = stateText(item);
}

/** Draws an upload card into its element (the audio card is the page's #audio-card; templates get an <li>). */
function renderItem(item) {
  const el = item.el;
  if (!el) return;
  el.hidden = false;
  el.dataset.uploadId = item.id;
  el.dataset.status = item.status;
  el.setAttribute('aria-busy', item.status === 'uploading' || item.status === 'checking' ? 'true' : 'false');
  const oldPlayer = $('audio#audio-player', el);
  const mediaSrc = item.kind === 'audio' && item.status === 'ready' && item.id ? item.mediaUrl || uploadUrl(item.id, '/media') : null;
  const player =
    mediaSrc && oldPlayer && oldPlayer.getAttribute('src') === mediaSrc
      ? oldPlayer
      : mediaSrc
        ? h('audio', { id: 'audio-player', controls: true, preload: 'metadata', src: mediaSrc, 'aria-label': t('audioPlayer', { name: item.name }) })
        : null;
  const moving = item.status === 'uploading' || item.status === 'checking';
  const thumb =
    item.kind === 'template' && item.status === 'ready' && item.thumbUrl
      ? h('img', { class: 'upload-thumb', src: item.thumbUrl, alt: t('thumbAlt', { name: item.name }) })
      : item.kind === 'template'
        ? h('div', { class: 'upload-thumb placeholder', 'aria-hidden': 'true' })
        : null;
  const info = h(
    'div',
    { class: 'upload-info' },
    h('p', { class: 'upload-name', text: item.name }),
    h('p', { class: 'upload-meta muted', text: metaText(item) }),
    moving ? h('progress', { class: 'upload-progress', max: 100, value: item.percent, 'aria-label': item.name }) : null,
    h('p', { class: 'upload-state', text: stateText(item) }),
    item.refusal && (item.status === 'refused' || item.status === 'failed') ? h('p', { class: 'upload-refusal', role: 'alert', text: item.refusal }) : null,
  );
  const remove = h('button', {
    type: 'button',
    class: 'remove-upload secondary small',
    'aria-label': t('removeNamed', { name: item.name }),
    text: t('remove'),
    on: { click: () => removeItem(item) },
  });
  // Keep a playing <audio> where it is: moving it out of the document would stop it.
  for (const child of [...el.children]) if (child !== player) child.remove();
  el.prepend(...[thumb, info, remove].filter(Boolean));
  if (player && player.parentNode !== el) el.append(player);
}

async function removeItem(item) {
  item.removed = true;
  if (item.el) item.el.dataset.status = 'removing';
  const wasReusable = item.kind === 'audio' && item.status === 'ready';
  if (item.tus && (item.status === 'uploading' || item.status === 'failed')) {
    try {
      await item.tus.abort(true);
    } catch {
      // already gone on the server
    }
  } else if (item.id && !wasReusable) {
    try {
      await api('DELETE', uploadPath(item.id));
    } catch (err) {
      if (err.status !== 404) notify(err.message);
    }
  }
  if (item.kind === 'audio') {
    if (state.audio === item) state.audio = null;
    const card = $('#audio-card');
    card.replaceChildren();
    card.hidden = true;
    card.dataset.uploadId = '';
    card.dataset.status = '';
    $('#audio-input')?.focus();
  } else {
    const index = state.templates.indexOf(item);
    state.templates = state.templates.filter((x) => x !== item);
    item.el?.remove();
    const next = state.templates[Math.min(index, state.templates.length - 1)];
    ($('.remove-upload', next?.el ?? document.createElement('div')) || $('#template-input'))?.focus();
  }
  updateStart();
}

function chooseAudio(item) {
  const previous = state.audio;
  if (previous && previous !== item) {
    previous.removed = true;
    if (previous.tus && previous.status === 'uploading') previous.tus.abort(true).catch(() => undefined);
  }
  const card = $('#audio-card');
  card.replaceChildren();
  item.el = card;
  state.audio = item;
  renderItem(item);
  updateStart();
}

function addAudioFile(file) {
  const item = newItem('audio', file.name, file.size);
  chooseAudio(item);
  upload(item, file);
}

function addTemplateFiles(files) {
  const list = $('#template-list');
  for (const file of files) {
    const item = newItem('template', file.name, file.size);
    item.el = h('li', { class: 'upload-card', 'data-kind': 'template' });
    state.templates.push(item);
    list.append(item.el);
    renderItem(item);
    upload(item, file);
  }
  updateStart();
}

async function loadRecentAudios() {
  const data = await api('GET', '/studio/api/audios');
  const records = Array.isArray(data) ? data : (data && (data.audios || data.uploads)) || [];
  // The same file sent twice is listed once (newest first, as the server lists them).
  const seen = new Set();
  state.recentAudios = records.filter((record) => {
    const sameFile = `${record.label}\u0000${record.bytes}\u0000${record.seconds}`;
    return seen.has(sameFile) ? false : (seen.add(sameFile), true);
  });
  const list = $('#recent-audios');
  if (state.recentAudios.length === 0) {
    list.replaceChildren(h('li', { class: 'muted', text: t('noRecentAudios') }));
    return;
  }
  list.replaceChildren(
    ...state.recentAudios.map((record) => {
      const name = record.label || record.id;
      const duration = typeof record.seconds === 'number' ? formatSeconds(record.seconds) : '';
      return h(
        'li',
        {},
        h('button', {
          type: 'button',
          class: 'reuse-audio chip',
          'data-upload-id': record.id,
          'aria-label': t('reuseNamed', { name, duration }),
          text: duration ? `${name} · ${duration}` : name,
          on: {
            click: () => {
              const item = newItem('audio', name, record.bytes || 0);
              applyRecord(item, { ...record, status: 'ready' });
              chooseAudio(item);
            },
          },
        }),
      );
    }),
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Start

function startProblem() {
  const audio = state.audio;
  const templates = state.templates;
  const moving = (x) => x.status === 'uploading' || x.status === 'checking';
  if ((audio && moving(audio)) || templates.some(moving)) return t('waitUploads');
  if (!audio || audio.status !== 'ready') return t('needAudio');
  const ready = templates.filter((x) => x.status === 'ready');
  if (ready.length === 0) return t('needTemplates');
  const max = state.me?.limits?.maxClips;
  if (typeof max === 'number' && ready.length > max) return t('tooManyTemplates', { max });
  return null;
}

let starting = false;

function updateStart(message) {
  const button = $('#start-button');
  const problem = startProblem();
  button.disabled = starting || problem !== null;
  const ready = state.templates.filter((x) => x.status === 'ready').length;
  $('#start-status').textContent = message ?? (starting ? t('starting') : problem ?? t('readyToStart', { count: ready }));
}

async function start() {
  if (starting || startProblem() !== null) return;
  starting = true;
  updateStart();
  const ready = state.templates.filter((x) => x.status === 'ready');
  const loop = $('#loop-select')?.value;
  let message;
  try {
    const view = await api('POST', '/studio/api/batches', { audio: state.audio.id, templates: ready.map((x) => x.id), ...(loop ? { loop } : {}) });
    // The server keeps the templates' files for the batch and forgets the uploads.
    for (const item of state.templates) {
      item.removed = true;
      item.el?.remove();
    }
    state.templates = [];
    message = t('started');
    if (view && view.batchId) applyBatch(view);
  } catch (err) {
    message = err.message;
  } finally {
    starting = false;
    updateStart(message);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Batches: the queue (running ones) and the history page, both live

const lists = {
  queue: { el: () => $('#queue-list'), nodes: new Map() },
  history: { el: () => $('#history-list'), nodes: new Map() },
};

function summaryText(view) {
  const s = view.summary || { total: 0, done: 0, failed: 0, cancelled: 0 };
  const parts = [t('summaryDone', { done: s.done, total: s.total })];
  if (s.failed > 0) parts.push(t('summaryFailed', { failed: s.failed }));
  if (s.cancelled > 0) parts.push(t('summaryCancelled', { cancelled: s.cancelled }));
  return parts.join(' · ');
}

function timeText(ms) {
  try {
    return new Date(ms).toLocaleTimeString(document.documentElement.lang || undefined);
  } catch {
    return new Date(ms).toISOString();
  }
}

/** When a batch was made, in the page's language and the browser's own time zone (the server's text says UTC). */
function dateTimeText(ms, fallback) {
  try {
    return new Intl.DateTimeFormat(document.documentElement.lang || undefined, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(ms));
  } catch {
    return fallback || new Date(ms).toISOString();
  }
}

async function act(button, method, url) {
  button.disabled = true;
  try {
    const view = await api(method, url);
    if (view && view.batchId) applyBatch(view);
    return true;
  } catch (err) {
    notify(err.message);
    return false;
  } finally {
    button.disabled = false;
  }
}

function batchActions(view) {
  const id = view.batchId;
  const actions = [];
  if (view.zipUrl) actions.push(h('a', { class: 'zip-link button small', href: serverUrl(view.zipUrl), download: true, text: t('downloadZip') }));
  if (view.status === 'running') {
    actions.push(
      h('button', {
        type: 'button',
        class: 'cancel-batch secondary small',
        text: t('cancelBatch'),
        on: { click: (e) => act(e.currentTarget, 'POST', `/studio/api/batches/${encodeURIComponent(id)}/cancel`) },
      }),
    );
  }
  if (state.confirming.has(id)) {
    actions.push(
      h('span', { class: 'confirm-text', text: t('deleteQuestion') }),
      h('button', { type: 'button', class: 'confirm-delete danger small', text: t('confirmDelete'), on: { click: (e) => deleteBatch(id, e.currentTarget) } }),
      h('button', {
        type: 'button',
        class: 'keep-batch secondary small',
        text: t('keepBatch'),
        on: {
          click: () => {
            state.confirming.delete(id);
            refreshBatch(id);
            focusIn(id, '.delete-batch');
          },
        },
      }),
    );
  } else {
    actions.push(
      h('button', {
        type: 'button',
        class: 'delete-batch secondary small',
        text: t('deleteBatch'),
        on: {
          click: () => {
            state.confirming.add(id);
            refreshBatch(id);
            focusIn(id, '.confirm-delete');
          },
        },
      }),
    );
  }
  return actions;
}

/** Moves focus to a control of a batch, in the list the user was working in. */
function focusIn(batchId, selector) {
  const active = document.activeElement;
  const inQueue = active && $('#queue-list')?.contains(active);
  const node = (inQueue ? lists.queue : lists.history).nodes.get(batchId) || lists.history.nodes.get(batchId) || lists.queue.nodes.get(batchId);
  $(selector, node ?? document.createElement('div'))?.focus();
}

async function deleteBatch(id, button) {
  button.disabled = true;
  try {
    await api('DELETE', `/studio/api/batches/${encodeURIComponent(id)}`);
    state.confirming.delete(id);
    forgetBatch(id);
    notify(t('deleted'));
    await loadHistory(Math.min(state.page, state.pages));
    $('#history-heading')?.setAttribute('tabindex', '-1');
    $('#history-heading')?.focus();
  } catch (err) {
    button.disabled = false;
    notify(err.message);
  }
}

function clipNode(existing, clip) {
  const li = existing || h('li', { class: 'clip', 'data-clip-id': clip.clipId });
  if (!existing) {
    li.append(
      h('p', { class: 'clip-title' }),
      h('p', { class: 'clip-status' }),
      h('div', { class: 'clip-bar' }),
      h('p', { class: 'clip-eta muted' }),
      h('p', { class: 'clip-error' }),
      h('div', { class: 'clip-media' }),
      h('div', { class: 'clip-actions' }),
    );
  }
  li.dataset.status = clip.status;
  const set = (selector, text) => {
    const el = $(selector, li);
    if (el.textContent !== (text || '')) el.textContent = text || '';
    el.hidden = !text;
  };
  set('.clip-title', `${clip.index + 1}. ${clip.template}`);
  const failed = clip.status === 'failed' && clip.error;
  // A failed clip's reason has its own line: a status line ending with it ("Failed: …") keeps the word only.
  const status = failed && clip.statusText && clip.statusText.endsWith(clip.error) ? clip.statusText.slice(0, -clip.error.length).replace(/[\s:：]+$/u, '') : clip.statusText;
  set('.clip-status', status || clip.statusText);
  set('.clip-eta', clip.etaText);
  set('.clip-error', failed ? clip.error : null);

  const bar = $('.clip-bar', li);
  const progress = $('progress.clip-progress', bar);
  if (clip.status === 'active' && typeof clip.percent === 'number') {
    const value = Math.max(0, Math.min(100, Math.round(clip.percent)));
    if (progress) {
      if (Number(progress.value) !== value) progress.value = value;
    } else bar.append(h('progress', { class: 'clip-progress', max: 100, value, 'aria-label': clip.template }));
  } else if (progress) progress.remove();

  // The <video> stays as long as its source does, so an update does not interrupt playback.
  const media = $('.clip-media', li);
  const video = $('video.clip-video', media);
  const fileUrl = serverUrl(clip.fileUrl);
  if (fileUrl) {
    if (!video || video.getAttribute('src') !== fileUrl) {
      media.replaceChildren(
        h('video', { class: 'clip-video', controls: true, preload: 'metadata', playsinline: true, src: fileUrl, 'aria-label': t('videoPlayer', { name: clip.template }) }),
      );
    }
  } else if (video) media.replaceChildren();

  const actions = [];
  if (clip.downloadUrl) {
    actions.push(
      h('a', { class: 'clip-download button small', href: serverUrl(clip.downloadUrl), download: true, 'aria-label': t('downloadNamed', { name: clip.template }), text: t('download') }),
    );
  }
  if (clip.canCancel) {
    actions.push(
      h('button', {
        type: 'button',
        class: 'cancel-clip secondary small',
        text: t('cancelClip'),
        on: { click: (e) => act(e.currentTarget, 'POST', `/studio/api/clips/${encodeURIComponent(clip.clipId)}/cancel`) },
      }),
    );
  }
  if (clip.canRetry) {
    actions.push(
      h('button', {
        type: 'button',
        class: 'retry-clip secondary small',
        text: t('retryClip'),
        on: { click: (e) => act(e.currentTarget, 'POST', `/studio/api/clips/${encodeURIComponent(clip.clipId)}/retry`) },
      }),
    );
  }
  const actionBox = $('.clip-actions', li);
  const focused = actionBox.contains(document.activeElement) ? document.activeElement.className.split(' ')[0] : null;
  actionBox.replaceChildren(...actions);
  if (focused) $(`.${focused}`, actionBox)?.focus();
  return li;
}

function batchNode(existing, view) {
  const article =
    existing ||
    h(
      'article',
      { class: 'batch', 'data-batch-id': view.batchId },
      h(
        'header',
        { class: 'batch-head' },
        h('h3', { class: 'batch-title' }),
        h('p', { class: 'batch-meta muted' }, h('span', { class: 'batch-created' }), ' · ', h('span', { class: 'batch-state' })),
        h('p', { class: 'batch-summary', 'aria-live': 'polite' }),
        h('div', { class: 'batch-actions' }),
      ),
      h('ol', { class: 'clips' }),
      h('details', { class: 'batch-log' }, h('summary', { text: t('log') }), h('ul', {})),
    );
  article.dataset.status = view.status;
  const set = (selector, text) => {
    const el = $(selector, article);
    if (el.textContent !== text) el.textContent = text;
  };
  set('.batch-title', view.audio);
  set('.batch-created', typeof view.createdAt === 'number' ? dateTimeText(view.createdAt, view.createdText) : view.createdText || '');
  set('.batch-state', view.status === 'running' ? t('running') : t('finished'));
  set('.batch-summary', summaryText(view));

  const actionBox = $('.batch-actions', article);
  const focused = actionBox.contains(document.activeElement) ? document.activeElement.className.split(' ')[0] : null;
  actionBox.replaceChildren(...batchActions(view));
  if (focused) $(`.${focused}`, actionBox)?.focus();

  const clipList = $('ol.clips', article);
  const clipNodes = new Map([...clipList.children].map((li) => [li.dataset.clipId, li]));
  for (const clip of view.clips || []) {
    const node = clipNode(clipNodes.get(clip.clipId), clip);
    if (!node.parentNode) clipList.append(node);
  }

  const log = view.log || [];
  const logList = $('details.batch-log > ul', article);
  if (logList.children.length !== log.length || log.length === 0) {
    logList.replaceChildren(
      ...(log.length === 0
        ? [h('li', { class: 'muted', text: t('logEmpty') })]
        : log.map((entry) => h('li', {}, h('time', { datetime: new Date(entry.at).toISOString(), text: timeText(entry.at) }), ' ', entry.text))),
    );
  }
  return article;
}

/** Puts the nodes of `ids` into a list in that order, moving only what is out of place (moving stops videos). */
function syncList(list, ids, views) {
  const container = list.el();
  for (const [id, node] of list.nodes) {
    if (!ids.includes(id)) {
      node.remove();
      list.nodes.delete(id);
    }
  }
  ids.forEach((id, i) => {
    const node = batchNode(list.nodes.get(id), views.get(id));
    list.nodes.set(id, node);
    if (container.children[i] !== node) container.insertBefore(node, container.children[i] ?? null);
  });
}

function queueIds() {
  return [...state.batches.values()]
    .filter((view) => view.status === 'running')
    .sort((a, b) => b.createdAt - a.createdAt)
    .map((view) => view.batchId);
}

function renderQueue() {
  const ids = queueIds();
  syncList(lists.queue, ids, state.batches);
  $('#queue-empty').hidden = ids.length > 0;
}

function renderHistory() {
  syncList(lists.history, state.historyIds, state.batches);
  $('#history-empty').hidden = state.historyIds.length > 0;
  const pager = $('#history-pager');
  pager.dataset.page = String(state.page);
  pager.dataset.pages = String(state.pages);
  pager.hidden = state.pages <= 1;
  $('.pager-label', pager).textContent = t('pageOf', { page: state.page, pages: state.pages });
  $('.pager-prev', pager).disabled = state.page <= 1;
  $('.pager-next', pager).disabled = state.page >= state.pages;
}

function refreshBatch(id) {
  renderQueue();
  if (state.historyIds.includes(id)) renderHistory();
}

let historyRefresh = null;

/** One batch changed (a start, an action's answer, a live event). */
function applyBatch(view) {
  const known = state.batches.has(view.batchId);
  state.batches.set(view.batchId, view);
  renderQueue();
  if (state.historyIds.includes(view.batchId)) renderHistory();
  else if (!known && state.page === 1 && !historyRefresh) {
    // A new batch (from this page or a chat): page 1 shows it once the server lists it.
    historyRefresh = setTimeout(() => {
      historyRefresh = null;
      loadHistory(1).catch((err) => notify(err.message));
    }, 300);
  }
}

function forgetBatch(id) {
  state.batches.delete(id);
  state.historyIds = state.historyIds.filter((x) => x !== id);
  renderQueue();
  renderHistory();
}

async function loadHistory(page) {
  const data = await api('GET', `/studio/api/batches?page=${encodeURIComponent(page)}`);
  const batches = data.batches || [];
  // Batches that left the page and are not running are no longer needed.
  for (const id of state.historyIds) if (state.batches.get(id)?.status !== 'running') state.batches.delete(id);
  for (const view of batches) state.batches.set(view.batchId, view);
  state.page = data.page || page;
  state.pages = Math.max(1, data.pages || 1);
  state.historyIds = batches.map((view) => view.batchId);
  renderHistory();
  renderQueue();
}

// ---------------------------------------------------------------------------------------------------------------
// Live events

let events = null;
let liveWasOpen = false;

function connectEvents() {
  if (sessionOver) return;
  events = new EventSource(at('/studio/api/events'));
  events.addEventListener('open', () => {
    body.dataset.live = 'open';
    if (liveWasOpen) {
      // Back after a break: what changed meanwhile comes from the lists.
      if ($('#notice')?.textContent === t('liveLost')) notify('');
      loadHistory(state.page).catch((err) => notify(err.message));
    }
    liveWasOpen = true;
  });
  events.addEventListener('batch', (event) => {
    try {
      applyBatch(JSON.parse(event.data));
    } catch {
      // a malformed event: the next one or a reload brings the truth
    }
  });
  events.addEventListener('error', () => {
    body.dataset.live = 'closed';
    if (liveWasOpen && !sessionOver) notify(t('liveLost'));
    if (events.readyState === EventSource.CLOSED) {
      // The browser gave up (e.g. a non-200 answer): find out why, then try again.
      events = null;
      setTimeout(() => {
        api('GET', '/studio/api/me')
          .then(() => connectEvents())
          .catch(() => (sessionOver ? undefined : setTimeout(connectEvents, 5000)));
      }, 2000);
    }
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Wiring

function wire() {
  const audioInput = $('#audio-input');
  audioInput.addEventListener('change', () => {
    const file = audioInput.files && audioInput.files[0];
    if (file) addAudioFile(file);
    audioInput.value = '';
  });

  const templateInput = $('#template-input');
  templateInput.addEventListener('change', () => {
    const files = [...(templateInput.files || [])];
    if (files.length > 0) addTemplateFiles(files);
    templateInput.value = '';
  });

  const zone = $('#drop-zone');
  const hint = $('.drop-hint', zone);
  const hintText = hint ? hint.textContent : '';
  let depth = 0;
  const dragging = (on) => {
    zone.classList.toggle('drag-over', on);
    if (hint) hint.textContent = on ? t('dropActive') : hintText;
  };
  zone.addEventListener('dragenter', (e) => {
    e.preventDefault();
    depth += 1;
    dragging(true);
  });
  zone.addEventListener('dragover', (e) => {
    e.preventDefault();
    if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
  });
  zone.addEventListener('dragleave', () => {
    depth = Math.max(0, depth - 1);
    if (depth === 0) dragging(false);
  });
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    depth = 0;
    dragging(false);
    const files = [...((e.dataTransfer && e.dataTransfer.files) || [])];
    if (files.length > 0) addTemplateFiles(files);
  });
  // A file dropped next to the zone must not make the browser leave the page to show it.
  window.addEventListener('dragover', (e) => e.preventDefault());
  window.addEventListener('drop', (e) => e.preventDefault());

  $('#start-button').addEventListener('click', () => start());

  const pager = $('#history-pager');
  $('.pager-prev', pager).addEventListener('click', () => loadHistory(state.page - 1).catch((err) => notify(err.message)));
  $('.pager-next', pager).addEventListener('click', () => loadHistory(state.page + 1).catch((err) => notify(err.message)));

  for (const button of document.querySelectorAll('#lang-switch button[data-locale]')) {
    button.addEventListener('click', async () => {
      if (button.getAttribute('aria-pressed') === 'true') return;
      try {
        await api('PUT', '/studio/api/locale', { locale: button.dataset.locale });
        location.reload();
      } catch (err) {
        notify(err.message);
      }
    });
  }

  $('#sign-out-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      await fetch(at('/studio/logout'), { method: 'POST', headers: { 'X-CSRF-Token': csrf }, credentials: 'same-origin' });
    } catch {
      // signed out or not, the studio page says which
    }
    location.assign(at('/studio'));
  });
}

async function main() {
  wire();
  updateStart();
  connectEvents();
  try {
    state.me = await api('GET', '/studio/api/me');
    await Promise.all([loadRecentAudios(), loadHistory(1)]);
  } catch (err) {
    notify(err.message);
  }
  updateStart();
  body.dataset.ready = 'true';
}

main();
