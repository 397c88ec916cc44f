// The DOM behind TileRegistry: one <figure> per participant in #video-grid,
// each with one <video> (playsinline + autoplay: iOS shows black otherwise),
// the display name, and the mute / camera-off indicators the peer announced.
// Names go in with textContent only. Each tile has a pin button (stage.js
// lays the pinned tile out large); a tile whose participant shares a screen
// is handed to `onScreen`.
import { linkText } from './connectivity.js';
import { indicatorsFor, tileLabel } from './indicators.js';

const SVG = 'http://www.w3.org/2000/svg';
// Slashed microphone and slashed camera (24x24).
const ICONS = {
  mic: 'M12 14a3 3 0 0 0 3-3V5a3 3 0 0 0-6 0v6a3 3 0 0 0 3 3zm5-3a5 5 0 0 1-10 0H5a7 7 0 0 0 6 6.9V21h2v-3.1A7 7 0 0 0 19 11zM3.3 2 2 3.3 20.7 22l1.3-1.3z',
  camera: 'M17 10.5V7a1 1 0 0 0-1-1H4a1 1 0 0 0-1 1v10a1 1 0 0 0 1 1h12a1 1 0 0 0 1-1v-3.5l4 4v-11zM3.3 2 2 3.3 20.7 22l1.3-1.3z',
};
// A push pin (24x24).
const PIN = 'M16 3v2h-1v5l3 3v2h-5v6l-1 1-1-1v-6H6v-2l3-3V5H8V3z';

/**
 * @param {HTMLElement} grid #video-grid
 * @param {{onAutoplayBlocked?: () => void, onPin?: (tile: HTMLElement) => void,
 *   onScreen?: (tile: HTMLElement, on: boolean) => void}} [options] `onAutoplayBlocked`:
 *   a remote video could only start muted (autoplay policy, e.g. for viewers);
 *   `onPin`: the tile's pin button was pressed; `onScreen`: the participant
 *   started or stopped sharing a screen
 * @returns {import('./tiles.js').TileView}
 */
export function createTileView(grid, options = {}) {
  const doc = grid.ownerDocument;
  const onAutoplayBlocked = options.onAutoplayBlocked ?? (() => {});
  const onPin = options.onPin ?? (() => {});
  const onScreen = options.onScreen ?? (() => {});
  const media = new WeakMap(); // tile -> the announced {mic, camera}, for its label
  const links = new WeakMap(); // tile -> {state, reason} of our call with the peer
  const showLink = (tile) => {
    const text = linkText(links.get(tile), tile.querySelector('.name').textContent);
    const line = tile.querySelector('.link');
    line.textContent = text ?? '';
    line.hidden = !text;
  };
  const label = (tile) => tile.setAttribute('aria-label', tileLabel(tile.querySelector('.name').textContent, media.get(tile)));
  return {
    create(peerId, { local }) {
      const tile = doc.createElement('figure');
      tile.className = local ? 'tile local' : 'tile';
      tile.dataset.testid = 'tile';
      if (peerId) tile.dataset.peer = peerId;
      tile.dataset.state = local ? 'off' : 'connecting';
      const video = doc.createElement('video');
      video.autoplay = true;
      video.playsInline = true;
      video.setAttribute('playsinline', '');
      video.setAttribute('autoplay', '');
      if (local) {
        video.muted = true; // never play our own microphone back
        video.setAttribute('muted', '');
      }
      const placeholder = doc.createElement('div');
      placeholder.className = 'placeholder';
      placeholder.setAttribute('aria-hidden', 'true');
      const caption = doc.createElement('figcaption');
      caption.className = 'name';
      const indicators = doc.createElement('div');
      indicators.className = 'indicators';
      const link = doc.createElement('p');
      link.className = 'link';
      link.dataset.testid = 'tile-link';
      link.setAttribute('role', 'status');
      link.hidden = true;
      const pin = pinButton(doc);
      pin.addEventListener('click', () => onPin(tile));
      tile.append(video, placeholder, caption, indicators, link, pin);
      grid.append(tile);
      return tile;
    },
    showStream(tile, stream) {
      const video = tile.querySelector('video');
      const hasVideo = !!stream && stream.getVideoTracks().length > 0;
      tile.dataset.state = stream ? (hasVideo ? 'video' : 'audio') : tile.classList.contains('local') ? 'off' : 'connecting';
      if (video.srcObject === stream) return;
      video.srcObject = stream;
      if (stream) play(video, tile.classList.contains('local') ? () => {} : onAutoplayBlocked);
    },
    setState(tile, state) {
      tile.dataset.state = state;
    },
    setName(tile, name) {
      tile.querySelector('.name').textContent = name;
      tile.querySelector('.placeholder').textContent = initials(name);
      const pin = tile.querySelector('.pin');
      pin.setAttribute('aria-label', `Pin ${name}`);
      pin.title = `Pin ${name}`;
      label(tile);
      if (links.has(tile)) showLink(tile);
    },
    setLink(tile, link) {
      links.set(tile, link);
      tile.dataset.link = link.state;
      showLink(tile);
    },
    setMedia(tile, state) {
      media.set(tile, state);
      // A camera that is off still sends (black) frames: show the initials instead.
      tile.dataset.camera = state.camera ? 'on' : 'off';
      tile.querySelector('.indicators').replaceChildren(...indicatorsFor(state).map((i) => indicator(doc, i)));
      label(tile);
      onScreen(tile, state.screen === true);
    },
    destroy(tile) {
      const video = tile.querySelector('video');
      video.srcObject = null;
      tile.remove();
    },
  };
}

/** The pin button: a fixed name ("Pin Ann") and `aria-pressed` for the state. */
function pinButton(doc) {
  const button = doc.createElement('button');
  button.type = 'button';
  button.className = 'pin';
  button.dataset.testid = 'pin';
  button.setAttribute('aria-pressed', 'false');
  const svg = doc.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  const path = doc.createElementNS(SVG, 'path');
  path.setAttribute('d', PIN);
  svg.append(path);
  button.append(svg);
  return button;
}

/** One indicator: an icon and a short text; its accessible name is the label. */
function indicator(doc, { key, text, label }) {
  const badge = doc.createElement('span');
  badge.className = 'indicator';
  badge.dataset.indicator = key;
  badge.dataset.testid = `indicator-${key}`;
  badge.setAttribute('role', 'img');
  badge.setAttribute('aria-label', label);
  badge.title = label;
  const svg = doc.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  const path = doc.createElementNS(SVG, 'path');
  path.setAttribute('d', ICONS[key]);
  svg.append(path);
  const words = doc.createElement('span');
  words.textContent = text;
  badge.append(svg, words);
  return badge;
}

/** Plays a video; when the autoplay policy refuses sound, plays it muted. */
function play(video, onAutoplayBlocked) {
  video.play().catch((err) => {
    if (err?.name !== 'NotAllowedError' || video.muted) return;
    video.muted = true;
    video.play().then(onAutoplayBlocked, () => {});
  });
}

function initials(name) {
  const words = name.split(' ').filter(Boolean);
  return words
    .slice(0, 2)
    .map((w) => [...w][0].toUpperCase())
    .join('');
}
