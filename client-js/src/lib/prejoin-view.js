// The pre-join screen on the page: asks the server how full the room is,
// says "room full" without touching the camera, else shows the preview, the
// level meter, name, toggles and device pickers until the user joins.
import { describeProblem } from './media.js';
import { startLevelMeter } from './level-meter.js';
import { INITIAL, countText, fetchRoomInfo, roomInfoUrl, step } from './prejoin.js';
import { isApple, listenShortcuts, shortcutAria, shortcutText } from './shortcuts.js';

const LABELS = {
  camera: { on: 'Turn camera off', off: 'Turn camera on', blocked: 'Camera unavailable' },
  microphone: { on: 'Turn microphone off', off: 'Turn microphone on', blocked: 'Microphone unavailable' },
};
/** The toggle of each kind, and its shortcut's action (the room's, see shortcuts.js). */
const TOGGLES = { camera: { id: 'prejoin-camera', action: 'camera' }, microphone: { id: 'prejoin-mic', action: 'mic' } };

/**
 * @param {object} options
 * @param {Document} options.doc
 * @param {object} options.config the page configuration
 * @param {import('./local-media.js').LocalMedia} options.media
 * @param {{render: () => void}} options.pickers
 * @param {string} options.name the stored name
 * @returns {Promise<{full: true, info: object} | {full: false, name: string}>}
 */
export async function runPrejoin({ doc, config, media, pickers, name }) {
  const win = doc.defaultView;
  const $ = (id) => doc.getElementById(id);
  let screen = INITIAL;
  doc.body.dataset.phase = 'prejoin';
  $('prejoin').hidden = false;
  $('prejoin-count').textContent = 'Checking the room…';

  const info = config.roomInfoPath ? await fetchRoomInfo((u, i) => win.fetch(u, i), roomInfoUrl(config)) : null;
  screen = step(screen, { type: 'info', info });
  $('prejoin-count').textContent = countText(info);
  if (screen.state === 'full') {
    $('prejoin').hidden = true;
    return { full: true, info };
  }

  const apple = isApple(win.navigator);
  const nameInput = $('prejoin-name');
  nameInput.value = name;
  let stopMeter = () => {};
  const show = () => {
    const video = $('prejoin-video');
    if (video.srcObject !== media.stream) video.srcObject = media.stream;
    video.hidden = !media.track('camera');
    $('prejoin-no-video').hidden = !video.hidden; // the same box, saying why it is empty
    stopMeter();
    stopMeter = startLevelMeter(win, media.track('microphone'), $('mic-level'));
    for (const [kind, { id }] of Object.entries(TOGGLES)) toggle($(id), kind);
    $('prejoin-media').textContent = describeProblem(media.problem, { host: win.location.host }) ?? '';
    pickers.render();
  };
  function toggle(button, kind) {
    const on = !!media.track(kind);
    const blocked = !on && !media.canAsk(kind);
    button.setAttribute('aria-pressed', String(on));
    button.disabled = blocked;
    const keys = ` (${shortcutText(TOGGLES[kind].action, apple)})`;
    button.title = blocked ? LABELS[kind].blocked : `${on ? LABELS[kind].on : LABELS[kind].off}${keys}`;
    button.classList.toggle('off', !on);
  }
  for (const [kind, { id, action }] of Object.entries(TOGGLES)) {
    $(id).onclick = () => flip(kind);
    $(id).setAttribute('aria-keyshortcuts', shortcutAria(action, apple));
  }
  // Ctrl/Cmd+D and +E press the toggles, as in the room; a disabled one (no
  // such device can be asked for) stays as it is, as it does for a click.
  const stopKeys = listenShortcuts(doc, (action) => $(action === 'mic' ? TOGGLES.microphone.id : TOGGLES.camera.id).click());
  async function flip(kind) {
    if (media.track(kind)) media.disable(kind);
    else await media.enable(kind);
    show();
  }

  const previousChange = media.onChange;
  media.onChange = show;
  show();
  // One request for both kinds: at most one prompt per kind. Join waits for
  // the answer, so that the room starts with what the user allowed.
  await media.start();
  $('join').disabled = false;
  show();
  await new Promise((resolve) => {
    $('join').onclick = resolve;
  });
  screen = step(screen, { type: 'join' });
  stopKeys(); // the room's controls take the keys from here
  stopMeter();
  media.onChange = previousChange;
  $('prejoin-video').srcObject = null;
  $('prejoin').hidden = true;
  delete doc.body.dataset.phase;
  return { full: false, name: nameInput.value };
}
