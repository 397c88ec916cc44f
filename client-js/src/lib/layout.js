// The grid's geometry for any number of tiles, from one to the room cap.
//
// A fixed table of columns per count (the first page had one up to 9 tiles)
// breaks past it: rows shrink to strips, then to nothing. Here the columns
// are chosen from the grid's own size: the count of columns that gives each
// tile the largest 16:9 picture. When even that picture is narrower than a
// readable size, the grid stops shrinking tiles and scrolls instead: as many
// columns of readable tiles as fit across, rows sized so that a whole number
// of them fills the height (each screenful is a "page"; the page scrolls by
// rows and the active speaker is moved to the first one).
//
// Pure: no DOM, unit-tested in Node (test/layout.test.mjs).

/** Defaults: the tile picture's aspect and the narrowest tile still readable, in CSS px. */
export const LAYOUT_DEFAULTS = { gap: 10, aspect: 16 / 9, minTileWidth: 200 };

/**
 * @param {object} options
 * @param {number} options.count tiles to place (at least 1 is assumed)
 * @param {number} options.width the grid's inner width, CSS px
 * @param {number} options.height the grid's inner height, CSS px
 * @param {number} [options.gap]
 * @param {number} [options.aspect] width / height of a picture
 * @param {number} [options.minTileWidth]
 * @returns {{cols: number, rows: number, tileWidth: number, tileHeight: number,
 *   scroll: boolean, rowHeight: number, perPage: number}} `rows` is the number of
 *   rows of the whole grid; with `scroll`, `rowHeight` is the height of each row and
 *   `perPage` how many tiles one screenful shows; without, every tile is visible
 *   (`perPage` is `count`)
 */
export function gridLayout(options) {
  const { gap, aspect, minTileWidth } = { ...LAYOUT_DEFAULTS, ...options };
  const count = Math.max(1, Math.floor(options.count));
  const width = Math.max(1, options.width);
  const height = Math.max(1, options.height);
  const best = bestFit(count, width, height, gap, aspect);
  // Narrow screens (a phone) cannot hold even one tile of minTileWidth: one column.
  const readable = Math.min(minTileWidth, width);
  if (best.tileWidth >= readable || count === 1) {
    return { ...best, scroll: false, rowHeight: cellSize(height, best.rows, gap), perPage: count };
  }
  const cols = Math.max(1, Math.floor((width + gap) / (readable + gap)));
  const tileWidth = cellSize(width, cols, gap);
  const pictureHeight = tileWidth / aspect;
  const rowsPerPage = Math.max(1, Math.floor((height + gap) / (pictureHeight + gap)));
  const rowHeight = cellSize(height, rowsPerPage, gap);
  return {
    cols,
    rows: Math.ceil(count / cols),
    tileWidth,
    tileHeight: Math.min(rowHeight, pictureHeight),
    scroll: true,
    rowHeight,
    perPage: cols * rowsPerPage,
  };
}

/** The columns that give the largest picture with every tile visible. */
function bestFit(count, width, height, gap, aspect) {
  let best = null;
  for (let cols = 1; cols <= count; cols += 1) {
    const rows = Math.ceil(count / cols);
    const cellW = cellSize(width, cols, gap);
    const cellH = cellSize(height, rows, gap);
    const tileWidth = Math.min(cellW, cellH * aspect);
    // Strictly larger only: for equal pictures, fewer columns (fewer empty cells).
    if (!best || tileWidth > best.tileWidth + 0.5) best = { cols, rows, tileWidth, tileHeight: tileWidth / aspect };
  }
  return best;
}

function cellSize(total, n, gap) {
  return Math.max(0, (total - gap * (n - 1)) / n);
}
