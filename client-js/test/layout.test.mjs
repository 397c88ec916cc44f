import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gridLayout } from '../src/lib/layout.js';

const desktop = { width: 1260, height: 560 }; // the grid of a 1280x720 window
const phone = { width: 370, height: 640 };

test('one and two tiles: one row, large pictures', () => {
  assert.deepEqual(pick(gridLayout({ count: 1, ...desktop })), { cols: 1, rows: 1, scroll: false });
  assert.deepEqual(pick(gridLayout({ count: 2, ...desktop })), { cols: 2, rows: 1, scroll: false });
});

test('a portrait screen stacks instead', () => {
  assert.deepEqual(pick(gridLayout({ count: 2, ...phone })), { cols: 1, rows: 2, scroll: false });
  assert.deepEqual(pick(gridLayout({ count: 4, ...phone })), { cols: 1, rows: 4, scroll: false });
});

test('from 1 to 50 tiles every tile is readable, visible or one scroll away, and never empty', () => {
  for (const size of [desktop, phone, { width: 1900, height: 960 }]) {
    for (let count = 1; count <= 50; count += 1) {
      const layout = gridLayout({ count, ...size });
      const what = `${count} tiles in ${size.width}x${size.height}: ${JSON.stringify(layout)}`;
      assert.ok(layout.cols * layout.rows >= count, `every tile has a cell: ${what}`);
      assert.ok(layout.cols * (layout.rows - 1) < count, `no empty row: ${what}`);
      assert.ok(layout.tileHeight >= 60, `tiles keep a usable height: ${what}`);
      assert.ok(layout.tileWidth >= Math.min(200, size.width) || count === 1, `tiles keep a readable width: ${what}`);
      if (!layout.scroll) {
        const usedHeight = layout.rows * layout.tileHeight + (layout.rows - 1) * 10;
        assert.ok(usedHeight <= size.height + 0.01, `all rows fit without scrolling: ${what}`);
      } else {
        assert.ok(layout.perPage >= layout.cols && layout.perPage < count, `a page holds whole rows, fewer than all: ${what}`);
        assert.ok(layout.rowHeight * Math.floor(layout.perPage / layout.cols) <= size.height, `a page fits the height: ${what}`);
      }
    }
  }
});

test('the grid scrolls only once tiles would get too small', () => {
  assert.equal(gridLayout({ count: 9, ...desktop }).scroll, false);
  assert.equal(gridLayout({ count: 12, ...desktop }).scroll, false);
  const large = gridLayout({ count: 30, ...desktop });
  assert.equal(large.scroll, true);
  assert.equal(large.cols, 6); // (1260 + 10) / (200 + 10)
  assert.equal(large.perPage, 24); // pictures 113 px high: four rows fill 560 px
});

test('tiles grow with the screen: the columns maximise the picture', () => {
  const small = gridLayout({ count: 6, width: 800, height: 600 });
  const big = gridLayout({ count: 6, width: 1600, height: 1200 });
  assert.equal(small.cols, big.cols);
  assert.ok(big.tileWidth > small.tileWidth * 1.9);
  assert.deepEqual(pick(gridLayout({ count: 6, ...desktop })), { cols: 3, rows: 2, scroll: false });
});

function pick({ cols, rows, scroll }) {
  return { cols, rows, scroll };
}
