import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isApple, listenShortcuts, shortcutAction, shortcutAria, shortcutText } from '../src/lib/shortcuts.js';

const key = (k, mods = {}) => ({ key: k, ctrlKey: false, metaKey: false, altKey: false, shiftKey: false, ...mods });

test('Ctrl+D is the microphone and Ctrl+E the camera, upper case too', () => {
  assert.equal(shortcutAction(key('d', { ctrlKey: true }), false), 'mic');
  assert.equal(shortcutAction(key('E', { ctrlKey: true }), false), 'camera');
});

test('on Apple platforms Cmd takes the place of Ctrl', () => {
  assert.equal(shortcutAction(key('d', { metaKey: true }), true), 'mic');
  assert.equal(shortcutAction(key('d', { ctrlKey: true }), true), null, 'Ctrl+D deletes forward in Mac text fields');
  assert.equal(shortcutAction(key('d', { metaKey: true }), false), null);
});

test('plain keys, other modifiers, other letters and key repeat do nothing', () => {
  assert.equal(shortcutAction(key('d'), false), null, 'typing "d" in the chat');
  assert.equal(shortcutAction(key('d', { ctrlKey: true, shiftKey: true }), false), null);
  assert.equal(shortcutAction(key('d', { ctrlKey: true, altKey: true }), false), null);
  assert.equal(shortcutAction(key('d', { ctrlKey: true, metaKey: true }), false), null);
  assert.equal(shortcutAction(key('x', { ctrlKey: true }), false), null);
  assert.equal(shortcutAction(key('d', { ctrlKey: true, repeat: true }), false), null, 'a held key flips once');
});

test('tooltips and aria-keyshortcuts name the keys of the platform', () => {
  assert.equal(shortcutText('mic', false), 'Ctrl+D');
  assert.equal(shortcutText('camera', true), '\u2318E');
  assert.equal(shortcutAria('mic', false), 'Control+D');
  assert.equal(shortcutAria('camera', true), 'Meta+E');
});

test('Apple platforms are recognised from userAgentData or platform', () => {
  assert.equal(isApple({ userAgentData: { platform: 'macOS' } }), true);
  assert.equal(isApple({ platform: 'iPhone' }), true);
  assert.equal(isApple({ platform: 'Linux x86_64' }), false);
  assert.equal(isApple(undefined), false);
});

/** A document as listenShortcuts uses it: keydown listeners, and a platform. */
function fakeDoc(platform = 'Linux x86_64') {
  const listeners = new Set();
  return {
    defaultView: { navigator: { platform } },
    addEventListener: (type, fn) => type === 'keydown' && listeners.add(fn),
    removeEventListener: (type, fn) => type === 'keydown' && listeners.delete(fn),
    press(event) {
      let cancelled = false;
      for (const fn of listeners) fn({ ...event, preventDefault: () => (cancelled = true) });
      return cancelled;
    },
  };
}

test('listenShortcuts runs the action, cancels the browser\'s meaning, and stops when told', () => {
  const doc = fakeDoc();
  const runs = [];
  let active = true;
  const stop = listenShortcuts(doc, (action) => runs.push(action), () => active);
  assert.equal(doc.press(key('d', { ctrlKey: true })), true, 'Ctrl+D would bookmark the page');
  assert.equal(doc.press(key('e', { ctrlKey: true })), true);
  assert.equal(doc.press(key('d')), false, 'a plain "d" types');
  active = false;
  assert.equal(doc.press(key('d', { ctrlKey: true })), false, 'inactive: the browser keeps the key');
  active = true;
  stop();
  doc.press(key('e', { ctrlKey: true }));
  assert.deepEqual(runs, ['mic', 'camera']);
});

test('listenShortcuts follows the platform of the page: Cmd on Apple', () => {
  const doc = fakeDoc('MacIntel');
  const runs = [];
  listenShortcuts(doc, (action) => runs.push(action));
  doc.press(key('d', { ctrlKey: true }));
  doc.press(key('d', { metaKey: true }));
  assert.deepEqual(runs, ['mic']);
});
