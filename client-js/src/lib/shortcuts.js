// Keyboard shortcuts for the microphone and the camera: Ctrl+D and Ctrl+E
// (Cmd on a Mac), as in the video rooms people already know, on the pre-join
// screen and in the room. They work while typing too: a modified key types
// nothing, and the browser's own meaning of these keys (bookmark, address
// bar) is cancelled on the page.

const KEYS = { d: 'mic', e: 'camera' };

/** True on Apple platforms, where Cmd takes the place of Ctrl. */
export function isApple(navigator) {
  const platform = navigator?.userAgentData?.platform ?? navigator?.platform ?? '';
  return /mac|iphone|ipad|ipod/i.test(platform);
}

/**
 * The action a keydown asks for, or null.
 *
 * @param {{key: string, ctrlKey: boolean, metaKey: boolean, altKey: boolean, shiftKey: boolean, repeat?: boolean}} event
 * @param {boolean} apple
 * @returns {'mic'|'camera'|null}
 */
export function shortcutAction(event, apple) {
  const modifier = apple ? event.metaKey && !event.ctrlKey : event.ctrlKey && !event.metaKey;
  if (!modifier || event.altKey || event.shiftKey || event.repeat) return null;
  return KEYS[event.key?.toLowerCase()] ?? null;
}

/** How the shortcut for `action` is written in tooltips ("Ctrl+D", "⌘D"). */
export function shortcutText(action, apple) {
  const key = Object.keys(KEYS).find((k) => KEYS[k] === action).toUpperCase();
  return apple ? `\u2318${key}` : `Ctrl+${key}`;
}

/** The `aria-keyshortcuts` value for `action`. */
export function shortcutAria(action, apple) {
  const key = Object.keys(KEYS).find((k) => KEYS[k] === action).toUpperCase();
  return `${apple ? 'Meta' : 'Control'}+${key}`;
}

/**
 * Calls `run(action)` for every shortcut pressed on `doc` while `active()`
 * holds, and cancels the browser's meaning of the key. Returns a function
 * that stops listening (the pre-join screen hands the keys to the room).
 *
 * @param {Document} doc
 * @param {(action: 'mic'|'camera') => void} run
 * @param {() => boolean} [active]
 * @returns {() => void}
 */
export function listenShortcuts(doc, run, active = () => true) {
  const apple = isApple(doc.defaultView?.navigator);
  const onKey = (event) => {
    const action = shortcutAction(event, apple);
    if (!action || !active()) return;
    event.preventDefault(); // Ctrl+D would bookmark, Ctrl+E go to the address bar
    run(action);
  };
  doc.addEventListener('keydown', onKey);
  return () => doc.removeEventListener('keydown', onKey);
}
