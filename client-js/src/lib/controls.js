// The controls bar: microphone, camera, screen sharing, invite link, leave,
// and the display name field. Buttons keep aria-pressed and aria-label in
// step with their state.

/**
 * @param {Document} doc
 * @param {object} actions
 * @param {() => object|null} actions.getStream the local camera/microphone stream
 * @param {(track: object|null) => void} actions.showScreen screen track to send and show, null to go back to the camera
 * @param {() => void} actions.leave
 * @param {(name: string) => string} actions.rename returns the name kept ('' = refused)
 * @param {(slot: string, text: string|null, level?: string) => void} actions.status
 * @param {() => string} actions.getName
 * @param {() => void} [actions.onMediaChange] after the microphone or camera was turned on or off
 */
export function setupControls(doc, actions) {
  const $ = (id) => doc.getElementById(id);
  const mic = $('btn-mic');
  const cam = $('btn-cam');
  const screen = $('btn-screen');
  let screenTrack = null;

  function refresh() {
    const stream = actions.getStream();
    const audio = stream?.getAudioTracks()[0];
    const video = stream?.getVideoTracks()[0];
    setToggle(mic, audio, 'Mute microphone', 'Unmute microphone', 'No microphone');
    setToggle(cam, video, 'Turn camera off', 'Turn camera on', 'No camera');
    const canShare = !!video && typeof doc.defaultView.navigator.mediaDevices?.getDisplayMedia === 'function';
    screen.disabled = !canShare;
    screen.setAttribute('aria-pressed', String(!!screenTrack));
    setLabel(screen, screenTrack ? 'Stop sharing screen' : canShare ? 'Share screen' : 'Screen sharing needs a camera');
  }

  mic.addEventListener('click', () => flip(actions.getStream()?.getAudioTracks()[0]));
  cam.addEventListener('click', () => flip(actions.getStream()?.getVideoTracks()[0]));
  function flip(track) {
    if (!track) return;
    track.enabled = !track.enabled;
    refresh();
    actions.onMediaChange?.();
  }

  screen.addEventListener('click', async () => {
    if (screenTrack) return stopSharing();
    try {
      const display = await doc.defaultView.navigator.mediaDevices.getDisplayMedia({ video: true });
      screenTrack = display.getVideoTracks()[0];
      screenTrack.addEventListener('ended', stopSharing); // the browser's own "Stop sharing"
      actions.showScreen(screenTrack);
      actions.status('screen', 'You are sharing your screen.', 'info');
    } catch (err) {
      if (err?.name !== 'NotAllowedError') actions.status('screen', `Screen sharing failed: ${err?.message ?? err}`, 'warn');
    }
    refresh();
  });
  function stopSharing() {
    if (!screenTrack) return;
    const track = screenTrack;
    screenTrack = null;
    track.stop();
    actions.showScreen(null);
    actions.status('screen', null);
    refresh();
  }

  $('btn-invite').addEventListener('click', async () => {
    const link = doc.defaultView.location.href;
    try {
      await doc.defaultView.navigator.clipboard.writeText(link);
      actions.status('invite', 'Invite link copied to the clipboard.', 'info');
    } catch {
      actions.status('invite', `Share this link to invite someone: ${link}`, 'info');
    }
    doc.defaultView.setTimeout(() => actions.status('invite', null), 6000);
  });

  $('btn-leave').addEventListener('click', () => {
    stopSharing();
    actions.leave();
  });

  const nameInput = $('name-input');
  nameInput.value = actions.getName();
  nameInput.addEventListener('change', () => {
    const kept = actions.rename(nameInput.value);
    nameInput.value = kept || actions.getName();
  });

  return { refresh, stopSharing };
}

function setToggle(button, track, onLabel, offLabel, missingLabel) {
  button.disabled = !track;
  const off = !!track && !track.enabled;
  button.setAttribute('aria-pressed', String(off));
  button.classList.toggle('off', !track || off);
  setLabel(button, !track ? missingLabel : off ? offLabel : onLabel);
}

function setLabel(button, label) {
  button.setAttribute('aria-label', label);
  button.title = label;
}
