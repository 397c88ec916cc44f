// The controls bar: microphone, camera, screen sharing, invite link, leave,
// and the display name field. Buttons keep aria-pressed and aria-label in
// step with their state.

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
 */
export function setupControls(doc, actions) {
  const $ = (id) => doc.getElementById(id);
  const mic = $('btn-mic');
  const cam = $('btn-cam');
  const screen = $('btn-screen');

  function refresh() {
    const stream = actions.getStream();
    const audio = stream?.getAudioTracks()[0];
    const video = stream?.getVideoTracks()[0];
    setToggle(mic, audio, 'Mute microphone', 'Unmute microphone', 'No microphone');
    setToggle(cam, video, 'Turn camera off', 'Turn camera on', 'No camera');
    const canShare = actions.share.supported; // with or without a camera
    screen.disabled = !canShare;
    screen.setAttribute('aria-pressed', String(actions.share.active));
    setLabel(screen, actions.share.active ? 'Stop sharing screen' : canShare ? 'Share screen' : 'This browser cannot share a screen');
  }

  mic.addEventListener('click', () => flip(actions.getStream()?.getAudioTracks()[0]));
  cam.addEventListener('click', () => flip(actions.getStream()?.getVideoTracks()[0]));
  function flip(track) {
    if (!track) return;
    track.enabled = !track.enabled;
    refresh();
    actions.onMediaChange?.();
  }

  screen.addEventListener('click', () => (actions.share.active ? actions.share.stop() : actions.share.start()));

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

  $('btn-leave').addEventListener('click', () => actions.leave()); // leaving stops the share

  const nameInput = $('name-input');
  nameInput.value = actions.getName();
  nameInput.addEventListener('change', () => {
    const kept = actions.rename(nameInput.value);
    nameInput.value = kept || actions.getName();
  });

  return { refresh };
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
