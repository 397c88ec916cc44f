// The DOM behind TileRegistry: one <figure> per participant in #video-grid,
// each with one <video> (playsinline + autoplay: iOS shows black otherwise)
// and the display name. Names go in with textContent only.

/**
 * @param {HTMLElement} grid #video-grid
 * @param {{onAutoplayBlocked?: () => void}} [options] called when a remote
 *   video could only start muted (autoplay policy, e.g. for viewers)
 * @returns {import('./tiles.js').TileView}
 */
export function createTileView(grid, options = {}) {
  const doc = grid.ownerDocument;
  const onAutoplayBlocked = options.onAutoplayBlocked ?? (() => {});
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
      tile.append(video, placeholder, caption);
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
      tile.setAttribute('aria-label', name);
    },
    destroy(tile) {
      const video = tile.querySelector('video');
      video.srcObject = null;
      tile.remove();
    },
  };
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
