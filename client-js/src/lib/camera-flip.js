// The camera flip button (phones: front and back camera), shown only where
// there are at least two cameras. A flip stops the current camera first (many
// phones cannot open two at once), opens the next one, and hands the new
// track over, to be put in place of the old one on every call.

/**
 * The camera after the one in use, in the browser's order; null when there is no other one.
 *
 * @param {Array<{kind: string, deviceId: string}>} devices enumerateDevices()
 * @param {string|undefined} currentId the deviceId of the camera in use
 */
export function nextCamera(devices, currentId) {
  const cameras = devices.filter((d) => d.kind === 'videoinput' && d.deviceId);
  if (cameras.length < 2) return null;
  const index = cameras.findIndex((d) => d.deviceId === currentId);
  return cameras[(index + 1) % cameras.length].deviceId;
}

/** How many cameras `devices` lists. */
export function cameraCount(devices) {
  return devices.filter((d) => d.kind === 'videoinput').length;
}

/**
 * @param {HTMLButtonElement} button #btn-flip (starts hidden)
 * @param {object} options
 * @param {MediaDevices|undefined} options.mediaDevices
 * @param {() => MediaStream|null} options.getStream the camera/microphone stream (changed in place)
 * @param {(track: MediaStreamTrack|null) => void} options.swapped the new camera track is in the
 *   stream (null: no camera would open, the stream has no video any more)
 * @param {(text: string|null) => void} options.report a failure to show, null to clear it
 * @returns {{refresh: () => Promise<void>}} call when the stream or the devices changed
 */
export function setupCameraFlip(button, { mediaDevices, getStream, swapped, report }) {
  let busy = false;

  async function refresh() {
    const video = getStream()?.getVideoTracks()[0];
    const devices = video && mediaDevices?.enumerateDevices ? await mediaDevices.enumerateDevices() : [];
    button.hidden = cameraCount(devices) < 2;
  }

  button.addEventListener('click', async () => {
    const stream = getStream();
    const old = stream?.getVideoTracks()[0];
    if (busy || !old) return;
    busy = true;
    button.disabled = true;
    try {
      const current = old.getSettings().deviceId;
      const next = nextCamera(await mediaDevices.enumerateDevices(), current);
      if (next) await swap(stream, old, next, current);
    } finally {
      busy = false;
      button.disabled = false;
    }
  });

  async function swap(stream, old, next, current) {
    old.stop();
    let track;
    try {
      track = await open(next);
      report(null);
    } catch (err) {
      report(`Could not switch the camera: ${err?.message ?? err}`);
      track = await open(current).catch(() => null); // back to the old one if it will open
    }
    stream.removeTrack(old);
    if (track) {
      track.enabled = old.enabled; // a camera turned off stays off
      stream.addTrack(track);
    }
    swapped(track);
  }

  async function open(deviceId) {
    const fresh = await mediaDevices.getUserMedia({ video: { deviceId: { exact: deviceId } } });
    return fresh.getVideoTracks()[0];
  }

  mediaDevices?.addEventListener?.('devicechange', () => refresh().catch(() => {}));
  return { refresh };
}
