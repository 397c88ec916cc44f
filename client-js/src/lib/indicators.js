// Mute and camera-off indicators: my state as the others learn it, and what a
// tile shows for someone else's. Each page announces its own state (see
// app-messages.js); a tile never guesses it from the media, because a muted
// track still flows (silence, black frames) and looks the same as a live one.

/**
 * My state: a device counts as on when its track exists and is enabled. A
 * viewer, who sends nothing, is muted with the camera off.
 *
 * @param {{getAudioTracks(): object[], getVideoTracks(): object[]}|null} stream
 * @returns {{mic: boolean, camera: boolean}}
 */
export function mediaState(stream) {
  const on = (track) => !!track && track.enabled !== false;
  return { mic: on(stream?.getAudioTracks()[0]), camera: on(stream?.getVideoTracks()[0]) };
}

/**
 * The indicators a tile shows for `state`: none while unknown (null) or all on.
 *
 * @param {{mic: boolean, camera: boolean}|null} state
 * @returns {Array<{key: 'mic'|'camera', text: string, label: string}>} `text` is
 *   shown, `label` is the accessible name
 */
export function indicatorsFor(state) {
  if (!state) return [];
  const shown = [];
  if (!state.mic) shown.push({ key: 'mic', text: 'muted', label: 'Microphone muted' });
  if (!state.camera) shown.push({ key: 'camera', text: 'camera off', label: 'Camera off' });
  return shown;
}

/** A tile's accessible label: the name, then what is off ("Ann, muted, camera off"). */
export function tileLabel(name, state) {
  return [name, ...indicatorsFor(state).map((i) => i.text)].join(', ');
}
