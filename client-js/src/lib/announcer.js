// The one polite live region (#announcer, visually hidden): only its text
// changes, the element is never replaced, so screen readers keep listening.
import { nextAnnouncement } from './presence.js';

/**
 * @param {HTMLElement} element #announcer (aria-live="polite")
 * @param {() => number} [now]
 * @returns {(text: string) => void}
 */
export function createAnnouncer(element, now = () => Date.now()) {
  let last = null;
  return (text) => {
    const at = now();
    const next = nextAnnouncement(last, text, at);
    element.textContent = next;
    last = { text: next, at };
  };
}
