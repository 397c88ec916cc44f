// The controls bar: microphone, camera, screen sharing, invite link, leave,
// and the display name field. A toggle's accessible name is its visible word
// ("Mic", "Camera", "Share") and never changes; aria-pressed says whether the
// thing is on, and the tooltip (title, read as the description) says what a
// press does and its keyboard shortcut.
import { invite, inviteMessage } from './invite.js';
import { isApple, listenShortcuts, shortcutAria, shortcutText } from './shortcuts.js';

/**
 * @param {Document} doc
 * @param {object} actions
 * @param {() => object|null} actions.getStream the local camera/microphone stream
 * @param {import('./share.js').ScreenShare} actions.share the screen share (share.js)
 * @param {() => void} actions.leave
 * @param {(name: string) => string} actions.rename returns the name kept ('' = refused)
 * @param {(slot: string, text: string|null, level?: string) => void} actions.status
 * @param {() => string} actions.getName
 * @param {() => void} [actions.onMediaChange] after the microphone or camera was turned on or off
 * @param {(kind: 'camera'|'microphone') => boolean} [actions.canTurnOn] whether a missing device may be asked for
 * @param {(kind: 'camera'|'microphone') => Promise<boolean>} [actions.turnOn] asks for a missing device
 */
export function setupControls(doc, actions) {
  const $ = (id) => doc.getElementById(id);
  const mic = $('btn-mic');
  const cam = $('btn-cam');
  const screen = $('btn-screen');
  const apple = isApple(doc.defaultView.navigator);
  for (const [button, action] of [[mic, 'mic'], [cam, 'camera']]) {
    button.setAttribute('aria-keyshortcuts', shortcutAria(action, apple));
  }

  function refresh() {
    const stream = actions.getStream();
    const audio = stream?.getAudioTracks()[0];
    const video = stream?.getVideoTracks()[0];
    const keys = (action) => ` (${shortcutText(action, apple)})`;
    const turnOn = (kind) => actions.canTurnOn?.(kind) ?? false;
    setToggle(mic, audio, `Mute microphone${keys('mic')}`, `Unmute microphone${keys('mic')}`, 'No microphone', turnOn('microphone'));
    setToggle(cam, video, `Turn camera off${keys('camera')}`, `Turn camera on${keys('camera')}`, 'No camera', turnOn('camera'));
    const canShare = actions.share.supported; // with or without a camera
    screen.disabled = !canShare;
    screen.setAttribute('aria-pressed', String(actions.share.active));
    screen.title = actions.share.active ? 'Stop sharing your screen' : canShare ? 'Share your screen' : 'This browser cannot share a screen';
  }

  mic.addEventListener('click', () => flip(actions.getStream()?.getAudioTracks()[0], 'microphone'));
  cam.addEventListener('click', () => flip(actions.getStream()?.getVideoTracks()[0], 'camera'));
  function flip(track, kind) {
    if (!track) return actions.turnOn?.(kind).then(refresh);
    track.enabled = !track.enabled;
    refresh();
    actions.onMediaChange?.();
  }
  // Not on the end screens.
  listenShortcuts(doc, (action) => (action === 'mic' ? mic : cam).click(), () => !doc.body.dataset.state);

  screen.addEventListener('click', () => (actions.share.active ? actions.share.stop() : actions.share.start()));

  const inviteButton = $('btn-invite');
  const canShareSheet = typeof doc.defaultView.navigator.share === 'function';
  inviteButton.title = canShareSheet ? 'Share the invite link' : 'Copy the invite link';
  inviteButton.addEventListener('click', async () => {
    const link = doc.defaultView.location.href;
    const message = inviteMessage(await invite(doc.defaultView.navigator, link), link);
    if (!message) return;
    actions.status('invite', message, 'info');
    doc.defaultView.setTimeout(() => actions.status('invite', null), 6000);
  });

  $('btn-leave').addEventListener('click', () => actions.leave()); // leaving stops the share

  const nameInput = $('name-input');
  nameInput.value = actions.getName();
  nameInput.addEventListener('change', () => {
    const kept = actions.rename(nameInput.value);
    nameInput.value = kept || actions.getName();
  });

  return { refresh };
}

/**
 * Pressed = on. The name stays the visible word; the tooltip says what a
 * press does. Without a track the button stays usable when the device can
 * still be asked for (a viewer turning the camera on later).
 */
function setToggle(button, track, onTitle, offTitle, missingTitle, canTurnOn) {
  button.disabled = !track && !canTurnOn;
  const on = !!track && track.enabled;
  button.setAttribute('aria-pressed', String(on));
  button.classList.toggle('off', !on);
  button.title = !track ? (canTurnOn ? offTitle : missingTitle) : on ? onTitle : offTitle;
}
