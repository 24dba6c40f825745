/**
 * One user's collection of inputs in one chat (or topic): the pure state machine, no I/O.
 *
 *   empty ──audio──▶ has audio ──templates──▶ ready ──Render──▶ submitting ──▶ (audio kept, templates cleared)
 *     └──templates──▶ has templates ──audio──┘          ▲ remove / clear go back
 */

export interface AudioInput {
  path: string;
  label: string;
  seconds: number;
}

export interface TemplateInput {
  /** Short id, stable while the item exists: used by the "remove" buttons. */
  id: string;
  path: string;
  label: string;
}

export interface SessionState {
  audio: AudioInput | null;
  templates: TemplateInput[];
  submitting: boolean;
  nextTemplateId: number;
}

export function emptySession(): SessionState {
  return { audio: null, templates: [], submitting: false, nextTemplateId: 1 };
}

/** Files no longer referenced after a transition, for the caller to delete. */
export interface Transition<T = void> {
  result: T;
  orphaned: string[];
}

export function setAudio(s: SessionState, audio: AudioInput): Transition<{ replaced: boolean }> {
  const old = s.audio;
  s.audio = audio;
  return { result: { replaced: old !== null }, orphaned: old && old.path !== audio.path ? [old.path] : [] };
}

export function addTemplates(s: SessionState, items: readonly Omit<TemplateInput, 'id'>[], max: number): Transition<{ added: number; skipped: number }> {
  const room = Math.max(0, max - s.templates.length);
  const accepted = items.slice(0, room);
  for (const item of accepted) s.templates.push({ ...item, id: String(s.nextTemplateId++) });
  return { result: { added: accepted.length, skipped: items.length - accepted.length }, orphaned: items.slice(room).map((i) => i.path) };
}

export function removeTemplate(s: SessionState, id: string): Transition<TemplateInput | null> {
  const i = s.templates.findIndex((t) => t.id === id);
  if (i < 0) return { result: null, orphaned: [] };
  const [removed] = s.templates.splice(i, 1);
  return { result: removed ?? null, orphaned: removed ? [removed.path] : [] };
}

export function clearSession(s: SessionState): Transition<{ hadAnything: boolean }> {
  const orphaned = [...(s.audio ? [s.audio.path] : []), ...s.templates.map((t) => t.path)];
  s.audio = null;
  s.templates = [];
  return { result: { hadAnything: orphaned.length > 0 }, orphaned };
}

export type RenderCheck = { ok: true; audio: AudioInput; templates: TemplateInput[] } | { ok: false; reason: 'missing' | 'busy' };

/** Render may start with an audio and at least one template, and not twice at once. */
export function beginSubmit(s: SessionState): RenderCheck {
  if (s.submitting) return { ok: false, reason: 'busy' };
  if (!s.audio || s.templates.length === 0) return { ok: false, reason: 'missing' };
  s.submitting = true;
  return { ok: true, audio: s.audio, templates: [...s.templates] };
}

/** After a successful submit the templates are spent (the queue has copies); the audio stays for another batch. */
export function endSubmit(s: SessionState, submitted: readonly TemplateInput[] | null): Transition {
  s.submitting = false;
  if (!submitted) return { result: undefined, orphaned: [] };
  const ids = new Set(submitted.map((t) => t.id));
  const spent = s.templates.filter((t) => ids.has(t.id));
  s.templates = s.templates.filter((t) => !ids.has(t.id));
  return { result: undefined, orphaned: spent.map((t) => t.path) };
}
