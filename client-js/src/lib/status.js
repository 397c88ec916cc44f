// The status banner (#status): a few independent messages ("slots": media,
// connection, audio, …), shown together, most severe level first.

const LEVELS = ['error', 'warn', 'info'];

/**
 * @param {HTMLElement} element #status
 * @returns {{set: (slot: string, text: string|null, level?: string, action?: {label: string, run: () => void}) => void}}
 */
export function createStatus(element) {
  const doc = element.ownerDocument;
  const slots = new Map();
  function render() {
    element.replaceChildren();
    const entries = [...slots.entries()].sort((a, b) => LEVELS.indexOf(a[1].level) - LEVELS.indexOf(b[1].level));
    for (const [slot, { text, level, action }] of entries) {
      const line = doc.createElement('p');
      line.className = `status-line ${level}`;
      line.dataset.slot = slot;
      line.textContent = text;
      if (action) {
        const button = doc.createElement('button');
        button.type = 'button';
        button.textContent = action.label;
        button.addEventListener('click', action.run);
        line.append(' ', button);
      }
      element.append(line);
    }
    element.hidden = slots.size === 0;
    element.dataset.level = entries[0]?.[1].level ?? '';
  }
  return {
    set(slot, text, level = 'info', action = null) {
      if (text) slots.set(slot, { text, level, action });
      else slots.delete(slot);
      render();
    },
  };
}
