// Samples every remote participant's audio level a few times a second and
// highlights the active speaker (speaker.js decides, stage.js shows).
// The levels come from RTCRtpReceiver.getSynchronizationSources(), which the
// browser keeps up to date anyway: no Web Audio graph, no extra decoding.
import { SpeakerPicker } from './speaker.js';

/**
 * @param {object} options
 * @param {import('./tiles.js').TileRegistry} options.tiles
 * @param {{setSpeaker: (tile: any) => void}} options.stage
 * @param {Window} options.win
 * @param {number} [options.interval] ms between samples
 * @returns {{stop: () => void}}
 */
export function watchSpeakers({ tiles, stage, win, interval = 400 }) {
  const picker = new SpeakerPicker();
  const timer = win.setInterval(() => {
    const levels = new Map();
    for (const peerId of tiles.peers()) levels.set(peerId, audioLevel(tiles.callOf(peerId)?.peerConnection));
    const speaker = picker.update(levels, win.performance.now());
    stage.setSpeaker(speaker === null ? null : (tiles.tileOf(speaker) ?? null));
  }, interval);
  return { stop: () => win.clearInterval(timer) };
}

function audioLevel(pc) {
  const receiver = pc?.getReceivers?.().find((r) => r.track?.kind === 'audio');
  const sources = receiver?.getSynchronizationSources?.() ?? [];
  return sources.reduce((max, s) => Math.max(max, s.audioLevel ?? 0), 0);
}
