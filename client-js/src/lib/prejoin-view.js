// The pre-join screen on the page: asks the server how full the room is,
// says "room full" without touching the camera, else shows the preview, the
// level meter, name, toggles and device pickers until the user joins.
import { describeProblem } from './media.js';
import { startLevelMeter } from './level-meter.js';
import { INITIAL, countText, fetchRoomInfo, roomInfoUrl, step } from './prejoin.js';

const LABELS = {
  camera: { on: 'Turn camera off', off: 'Turn camera on', blocked: 'Camera unavailable' },
  microphone: { on: 'Turn microphone off', off: 'Turn microphone on', blocked: 'Microphone unavailable' },
};

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
    for (const [kind, id] of [['camera', 'prejoin-camera'], ['microphone', 'prejoin-mic']]) toggle($(id), kind);
    $('prejoin-media').textContent = describeProblem(media.problem, { host: win.location.host }) ?? '';
    pickers.render();
  };
  function toggle(button, kind) {
    const on = !!media.track(kind);
    const blocked = !on && !media.canAsk(kind);
    button.setAttribute('aria-pressed', String(on));
    button.disabled = blocked;
    button.title = blocked ? LABELS[kind].blocked : on ? LABELS[kind].on : LABELS[kind].off;
    button.classList.toggle('off', !on);
  }
  $('prejoin-camera').onclick = () => flip('camera');
  $('prejoin-mic').onclick = () => flip('microphone');
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
  stopMeter();
  media.onChange = previousChange;
  $('prejoin-video').srcObject = null;
  $('prejoin').hidden = true;
  delete doc.body.dataset.phase;
  return { full: false, name: nameInput.value };
}
