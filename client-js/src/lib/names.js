// Display names: a default "Guest 1234" kept in localStorage, editable in the
// page. Names are shown with textContent only, and trimmed to a sane length.

export const STORAGE_KEY = 'lingua-connect.name';
export const MAX_LENGTH = 40;

/** A printable, single-line name of at most MAX_LENGTH characters ('' stays ''). */
export function cleanName(name) {
  if (typeof name !== 'string') return 'Guest';
  // Control characters (newlines included) become spaces; runs of spaces collapse.
  const flat = name.replace(/[\u0000-\u001f\u007f]/g, ' ').replace(/\s+/g, ' ').trim();
  return [...flat].slice(0, MAX_LENGTH).join('');
}

/** "Guest 1234" with a random 4-digit number. */
export function defaultName(random = Math.random) {
  return `Guest ${1000 + Math.floor(random() * 9000)}`;
}

/**
 * The stored name, or a new default one (stored for next time).
 * `storage` may be null or throw (private browsing): the default is used.
 */
export function loadName(storage, random = Math.random) {
  let stored = null;
  try {
    stored = storage?.getItem(STORAGE_KEY) ?? null;
  } catch {
    // Storage disabled: a name for this page only.
  }
  const name = stored === null ? '' : cleanName(stored);
  if (name) return name;
  const fresh = defaultName(random);
  saveName(storage, fresh);
  return fresh;
}

/** Stores `name` if possible; returns the cleaned name ('' means "keep the old one"). */
export function saveName(storage, name) {
  const clean = cleanName(name);
  if (!clean) return '';
  try {
    storage?.setItem(STORAGE_KEY, clean);
  } catch {
    // Not stored; still used for this page.
  }
  return clean;
}
