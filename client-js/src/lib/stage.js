// The DOM side of the grid's layout: sizes #video-grid from layout.js for any
// number of tiles, the pinned tile (spotlight: large, the others in a strip
// below it), the active speaker's highlight, and screens shown whole.
//
// Nothing here moves a tile in the DOM (a <video> taken out of the document
// pauses): order and sizes are CSS (`order`, custom properties set through
// the CSSOM, which a strict CSP allows, unlike style attributes).
//
// - A tile whose participant shares a screen (their `state` says so, or our
//   own tile while we share) is marked `data-screen="on"`: shown whole
//   (`contain`), never mirrored, and pinned for the others unless they chose
//   a pin themselves. It is unpinned when the share ends, if the pin was ours.
// - A pin chosen by the user (the button on each tile, `aria-pressed`) stays
//   until they unpin it or the tile goes.
import { gridLayout } from './layout.js';

/**
 * @param {HTMLElement} grid #video-grid
 * @returns {{
 *   layout: () => void,
 *   toggle: (tile: HTMLElement) => void,
 *   pin: (tile: HTMLElement|null, how?: 'user'|'auto') => void,
 *   setScreen: (tile: HTMLElement, on: boolean) => void,
 *   setSpeaker: (tile: HTMLElement|null) => void,
 *   readonly pinned: HTMLElement|null,
 * }}
 */
export function createStage(grid) {
  const win = grid.ownerDocument.defaultView;
  let pinned = null;
  let pinnedBy = null; // 'user' or 'auto' (a screen share)
  let speaker = null;

  function layout() {
    if (pinned && !pinned.isConnected) pin(null);
    if (speaker && !speaker.isConnected) speaker = null;
    const tiles = grid.querySelectorAll('.tile');
    grid.dataset.layout = pinned ? 'spotlight' : 'grid';
    if (pinned) return;
    const style = win.getComputedStyle(grid);
    const gap = parseFloat(style.columnGap) || 0;
    const { cols, rows, scroll, rowHeight } = gridLayout({
      count: tiles.length,
      width: grid.clientWidth - pad(style, 'Left', 'Right'),
      height: grid.clientHeight - pad(style, 'Top', 'Bottom'),
      gap,
    });
    grid.style.setProperty('--cols', String(cols));
    grid.style.setProperty('--rows', String(rows));
    grid.style.setProperty('--row-height', `${Math.floor(rowHeight)}px`);
    grid.dataset.scroll = scroll ? 'on' : 'off';
  }

  function pin(tile, how = 'user') {
    if (pinned) mark(pinned, false);
    pinned = tile;
    pinnedBy = tile ? how : null;
    if (tile) mark(tile, true);
    layout();
  }

  function mark(tile, on) {
    tile.classList.toggle('pinned', on);
    tile.querySelector('.pin')?.setAttribute('aria-pressed', String(on));
  }

  function setScreen(tile, on) {
    const was = tile.dataset.screen === 'on';
    tile.dataset.screen = on ? 'on' : 'off';
    if (on === was || tile.classList.contains('local')) return; // our own screen: we know it
    if (on && (!pinned || pinnedBy === 'auto')) pin(tile, 'auto');
    else if (!on && pinned === tile && pinnedBy === 'auto') pin(null);
  }

  function setSpeaker(tile) {
    if (tile === speaker) return;
    speaker?.classList.remove('speaking');
    speaker = tile;
    tile?.classList.add('speaking');
  }

  new win.ResizeObserver(() => layout()).observe(grid);
  return {
    layout,
    pin,
    toggle: (tile) => pin(pinned === tile ? null : tile, 'user'),
    setScreen,
    setSpeaker,
    get pinned() {
      return pinned;
    },
  };
}

function pad(style, a, b) {
  return (parseFloat(style[`padding${a}`]) || 0) + (parseFloat(style[`padding${b}`]) || 0);
}
