// The media scenarios of the end-to-end test: screen share (from a page with
// a camera and from a viewer without one), pin, one peer connection per pair
// with names over the signaling channel, and a room at the cap (or of
// twelve) in a usable layout with the active speaker highlighted. room.e2e.mjs runs them and
// passes in its helpers. (Mic and camera toggles as the others see them are
// the indicator scenario of messages.mjs.)
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { movingBar } from '../tools/y4m.mjs';
import { passPrejoin } from './prejoin.mjs';

let h; // room.e2e.mjs's helpers, see mediaScenarios

/**
 * @param {object} helpers `artifacts`, `openPage`, `closePage`, `waitJoined`, `peerId`, `expectRoomFull`,
 *   `expectPlaying`, `expectNames`, `waitFor`, `ok`, `check`, `need`, `sleep`, and
 *   `launch(extraArgs)` (a second Chromium with the test's flags and more)
 */
export function mediaScenarios(helpers) {
  h = helpers;
  return { share, largeRoom };
}

// Wraps RTCPeerConnection to count the open ones (PeerJS data connections
// are RTCPeerConnections too, so this proves names need no second one).
function countPeerConnections() {
  const Native = window.RTCPeerConnection;
  const all = [];
  window.RTCPeerConnection = class extends Native {
    constructor(...args) {
      super(...args);
      all.push(this);
    }
  };
  window.__openPeerConnections = () => all.filter((pc) => pc.signalingState !== 'closed').length;
}

async function open(browser, label, room, options, before) {
  const page = await h.openPage(browser, label, options);
  await page.context().addInitScript(countPeerConnections);
  await page.goto(room);
  await joined(page, label, before);
  return page;
}

// Like room.e2e.mjs's waitJoined, with more time: in a full room on a small
// machine, a page may take a while to get its turn. `before` is set on the
// pre-join screen, before the page adds its calls to the machine's load: a
// `name`, and `micOff` (the page joins without a microphone).
async function joined(page, label, before = {}) {
  if (before.name) await page.getByTestId('prejoin-name').fill(before.name, { timeout: 60000 });
  if (before.micOff) {
    const mic = page.getByTestId('prejoin-mic');
    const pressed = (value) => async () => {
      const now = await mic.getAttribute('aria-pressed');
      return now === value ? h.ok(true) : { ok: false, why: `aria-pressed=${now}` };
    };
    await h.waitFor(`${label}'s pre-join microphone is on`, pressed('true'), 60000);
    await mic.click({ timeout: 60000 });
    await h.waitFor(`${label}'s pre-join microphone is off`, pressed('false'), 60000);
  }
  await passPrejoin(page, h, 60000);
  await h.waitFor(`${label} joins the room`, async () => {
    const done = await page.evaluate(() => window.linguaRoom?.joined === true);
    return done ? h.ok(true) : { ok: false, why: (await page.locator('#status').textContent()) || 'not joined yet' };
  }, 60000);
}

async function expectPeerConnections(page, label, count) {
  await h.waitFor(`${label} has exactly ${count} open RTCPeerConnections`, async () => {
    const n = await page.evaluate(() => window.__openPeerConnections());
    return n === count ? h.ok(true) : { ok: false, why: `${n} open` };
  }, 15000);
}

const tileOf = (page, id) => page.locator(`#video-grid .tile[data-peer="${id}"]`);

/** What a tile shows: its video's aspect, whether it plays, pinned, screen, sizes. */
function tileFacts(tile) {
  return tile.evaluate(async (t) => {
    const video = t.querySelector('video');
    const before = video.currentTime;
    await new Promise((resolve) => setTimeout(resolve, 300));
    const style = getComputedStyle(video);
    const box = t.getBoundingClientRect();
    return {
      aspect: video.videoHeight ? video.videoWidth / video.videoHeight : 0,
      playing: video.videoWidth > 0 && video.currentTime > before,
      pinned: t.classList.contains('pinned'),
      screen: t.dataset.screen === 'on',
      state: t.dataset.state,
      fit: style.objectFit,
      transform: style.transform,
      area: box.width * box.height,
      layout: t.parentElement.dataset.layout,
    };
  });
}

async function expectTile(tile, label, want) {
  await h.waitFor(label, async () => {
    const facts = await tileFacts(tile);
    const wrong = Object.entries(want).filter(([key, test]) => !(typeof test === 'function' ? test(facts[key]) : facts[key] === test));
    return wrong.length === 0 ? h.ok(true) : { ok: false, why: `${wrong.map(([k]) => k).join(', ')} wrong: ${JSON.stringify(facts)}` };
  }, 20000);
}

const wide = (aspect) => aspect > 1.6; // the fake screen is 16:9
const camera = (aspect) => aspect > 1.2 && aspect < 1.5; // the fake camera is 4:3
const largest = async (page, tile) => {
  const areas = await page.locator('#video-grid .tile').evaluateAll((all) => all.map((t) => t.getBoundingClientRect().width * t.getBoundingClientRect().height));
  const mine = await tile.evaluate((t) => t.getBoundingClientRect().width * t.getBoundingClientRect().height);
  return areas.every((a) => a <= mine) && areas.filter((a) => a === mine).length === 1;
};

// S and T have cameras; V refused them (a viewer). Joined in that order.
async function share(state) {
  const first = await h.openPage(state.browser, 'S');
  await first.context().addInitScript(countPeerConnections);
  await first.goto(`${state.base}/`);
  await h.waitJoined(first);
  const room = first.url();
  const pages = { S: first };
  pages.T = await open(state.browser, 'T', room);
  pages.V = await open(state.browser, 'V', room, { refuseMedia: true });
  Object.assign(state, { media: pages });
  const { S, T, V } = pages;
  const ids = { S: await h.peerId(S), T: await h.peerId(T), V: await h.peerId(V) };
  const vName = await V.locator('#name-input').inputValue();
  for (const label of ['S', 'T']) await h.expectPlaying(pages[label], 2, label, 20000, { exceptName: vName });
  await h.expectPlaying(V, 2, 'V', 20000, { remoteOnly: true });
  for (const label of ['S', 'T', 'V']) await expectPeerConnections(pages[label], label, 2);
  await h.expectNames(pages, ['S', 'T', 'V']);

  // A rename reaches the others over the signaling channel.
  await T.locator('#name-input').fill('Tamsin renamed');
  await T.locator('#name-input').press('Enter');
  for (const label of ['S', 'V']) {
    await h.waitFor(`${label} shows T's new name`, async () => h.ok((await tileOf(pages[label], ids.T).locator('.name').textContent()) === 'Tamsin renamed'));
  }

  // S shares: whole and unmirrored for S, pinned and playing for the others.
  await S.getByTestId('share-screen').click();
  await h.waitFor('S: the share button is pressed', async () => h.ok((await S.getByTestId('share-screen').getAttribute('aria-pressed')) === 'true'));
  await expectTile(S.locator('#video-grid .tile.local'), "S's own tile shows the screen whole, not mirrored", {
    screen: true, fit: 'contain', transform: 'none', playing: true, aspect: wide,
  });
  for (const label of ['T', 'V']) {
    const tile = tileOf(pages[label], ids.S);
    await expectTile(tile, `${label} plays S's screen, pinned, whole`, { screen: true, pinned: true, playing: true, aspect: wide, fit: 'contain', layout: 'spotlight' });
    h.check(await largest(pages[label], tile), `${label}: S's pinned screen is not the largest tile`);
  }
  await T.screenshot({ path: join(h.artifacts, 'share.png') });
  for (const label of ['S', 'T', 'V']) await expectPeerConnections(pages[label], label, 2);

  // Stopping brings the camera back, mirrored for S only, unpinned elsewhere.
  await S.getByTestId('share-screen').click();
  await expectTile(S.locator('#video-grid .tile.local'), "S's own tile shows the camera, mirrored", { screen: false, aspect: camera, transform: (t) => t.startsWith('matrix(-1') });
  for (const label of ['T', 'V']) {
    await expectTile(tileOf(pages[label], ids.S), `${label} plays S's camera again, unpinned`, { screen: false, pinned: false, playing: true, aspect: camera, layout: 'grid' });
  }

  // The viewer shares: its calls had no video to replace, so it calls again.
  h.check(await V.getByTestId('share-screen').isEnabled(), 'V (no camera) cannot share');
  await V.getByTestId('share-screen').click();
  await expectTile(V.locator('#video-grid .tile.local'), "V's own tile shows the screen", { screen: true, playing: true, fit: 'contain', transform: 'none' });
  for (const label of ['S', 'T']) {
    await expectTile(tileOf(pages[label], ids.V), `${label} plays V's screen, pinned`, { screen: true, pinned: true, playing: true, aspect: wide });
    await h.expectPlaying(pages[label], 3, `${label} (V's screen among them)`);
  }
  await h.expectPlaying(V, 3, 'V (sharing) still plays S and T', 20000);
  for (const label of ['S', 'T', 'V']) await expectPeerConnections(pages[label], label, 2);

  // The browser's own "Stop sharing" ends the track.
  await V.evaluate(() => window.linguaRoom.share.track.dispatchEvent(new Event('ended')));
  h.check((await V.getByTestId('share-screen').getAttribute('aria-pressed')) === 'false', 'V: still shown as sharing after the track ended');
  for (const label of ['S', 'T']) {
    await expectTile(tileOf(pages[label], ids.V), `${label}: V is a viewer again, unpinned`, { screen: false, pinned: false, state: (s) => s !== 'video' });
  }
  await h.expectPlaying(V, 2, 'V', 20000, { remoteOnly: true });
  for (const label of ['S', 'T', 'V']) await expectPeerConnections(pages[label], label, 2);

  // Pin any tile from the keyboard; press again to unpin.
  const pin = tileOf(S, ids.T).getByRole('button', { name: 'Pin Tamsin renamed' });
  await pin.focus();
  await S.keyboard.press('Enter');
  h.check((await pin.getAttribute('aria-pressed')) === 'true', "S: T's pin button is not pressed");
  await expectTile(tileOf(S, ids.T), "S: T's tile is pinned", { pinned: true, layout: 'spotlight', playing: true });
  h.check(await largest(S, tileOf(S, ids.T)), "S: T's pinned tile is not the largest");
  await S.screenshot({ path: join(h.artifacts, 'pin.png') });
  await S.keyboard.press('Space');
  await expectTile(tileOf(S, ids.T), "S: T's tile is unpinned", { pinned: false, layout: 'grid' });

  // Leaving while sharing stops the capture.
  await S.getByTestId('share-screen').click();
  await expectTile(tileOf(T, ids.S), "T plays S's screen again", { screen: true, playing: true });
  await S.evaluate(() => {
    window.__screen = window.linguaRoom.share.track;
  });
  await S.getByTestId('leave').click();
  h.check((await S.evaluate(() => window.__screen.readyState)) === 'ended', 'S: the screen capture goes on after leaving');
  await h.waitFor("T drops S's tile", async () => h.ok((await tileOf(T, ids.S).count()) === 0), 5000);
  for (const [label, page] of Object.entries(pages)) await h.closePage(label, page);
  delete state.media;
}

// `size` pages in one room (the app's cap, or twelve), in a browser of their
// own with a small fake camera (160x90, 10 frames a second) so that the
// size x (size - 1) video streams fit on a small test machine. `base` is the
// server to use (a server started with a larger cap for twelve).
async function largeRoom(state, { size, base = state.base, refuseNext = false }) {
  const video = join(tmpdir(), `lingua-e2e-${process.pid}.y4m`);
  writeFileSync(video, movingBar(160, 90, 10));
  const browser = await h.launch([`--use-file-for-fake-video-capture=${video}`]);
  const labels = Array.from({ length: size }, (_, i) => `L${i + 1}`);
  const pages = {};
  try {
    const first = await h.openPage(browser, labels[0]);
    await first.context().addInitScript(countPeerConnections);
    await first.goto(`${base}/`);
    // Distinct names. Only the page in the middle speaks: the others join
    // without a microphone (on a small machine, size x (size - 1) audio
    // streams cost more than the small videos).
    const talker = labels[Math.floor(size / 2)];
    const before = (label) => ({ name: `Person ${label}`, micOff: label !== talker });
    await joined(first, labels[0], before(labels[0]));
    pages[labels[0]] = first;
    for (const label of labels.slice(1)) pages[label] = await open(browser, label, first.url(), undefined, before(label));
    // Clicks wait for a busy renderer: size pages share the machine's cores.
    for (const page of Object.values(pages)) page.setDefaultTimeout(90000);
    for (const label of labels) await h.expectPlaying(pages[label], size, label, 90000);
    for (const label of labels) await expectPeerConnections(pages[label], label, size - 1);
    await h.expectNames(pages, labels);

    // Every tile visible, inside the grid, not overlapping, not a strip.
    for (const label of labels) {
      const boxes = await tileBoxes(pages[label]);
      h.check(boxes.tiles.length === size, `${label}: ${boxes.tiles.length} tiles`);
      for (const [i, box] of boxes.tiles.entries()) {
        h.check(box.width >= 200 && box.height >= 100, `${label}: tile ${i} is ${box.width}x${box.height}`);
        h.check(inside(box, boxes.grid), `${label}: tile ${i} is outside the grid: ${JSON.stringify(box)} in ${JSON.stringify(boxes.grid)}`);
        for (const other of boxes.tiles.slice(i + 1)) h.check(!overlap(box, other), `${label}: tiles overlap`);
      }
    }
    await first.screenshot({ path: join(h.artifacts, `room-${size}.png`) });

    // Only the talker's microphone is on: the others highlight its tile.
    const speaker = await h.peerId(pages[talker]);
    for (const label of [labels[0], labels.at(-1)]) {
      await h.waitFor(`${label} highlights ${talker} as the active speaker`, async () =>
        h.ok(await tileOf(pages[label], speaker).evaluate((t) => t.classList.contains('speaking'))), 20000);
    }

    // A small window: the grid scrolls by rows of readable tiles, and the
    // active speaker is on the first screenful.
    await first.setViewportSize({ width: 480, height: 360 });
    await h.waitFor('L1 switches to a scrolling grid', async () => h.ok((await first.locator('#video-grid').getAttribute('data-scroll')) === 'on'));
    const small = await tileBoxes(first);
    for (const [i, box] of small.tiles.entries()) h.check(box.width >= 180 && box.height >= 90, `L1 (small window): tile ${i} is ${box.width}x${box.height}`);
    const speakerBox = await tileOf(first, speaker).boundingBox();
    h.check(inside(speakerBox, small.grid), `L1 (small window): the speaker is not on the first screenful: ${JSON.stringify(speakerBox)} in ${JSON.stringify(small.grid)}`);
    await first.screenshot({ path: join(h.artifacts, `room-${size}-small.png`) });

    if (refuseNext) {
      // The room is at the cap: one more visitor learns it before joining.
      const next = await h.openPage(browser, 'next');
      pages.next = next;
      await next.goto(first.url());
      await h.expectRoomFull(next, 'the next visitor');
      const count = await first.locator('#participant-count').textContent();
      h.check(count.includes(String(size)), `L1 counts "${count}" after the refused visitor`);
    }
  } finally {
    for (const [label, page] of Object.entries(pages)) await h.closePage(label, page).catch(() => {});
    await browser.close().catch(() => {});
  }
}

function tileBoxes(page) {
  return page.evaluate(() => {
    const box = (e) => {
      const r = e.getBoundingClientRect();
      return { x: r.x, y: r.y, width: r.width, height: r.height };
    };
    return { grid: box(document.getElementById('video-grid')), tiles: [...document.querySelectorAll('#video-grid .tile')].map(box) };
  });
}

const inside = (a, b) => a.x >= b.x - 1 && a.y >= b.y - 1 && a.x + a.width <= b.x + b.width + 1 && a.y + a.height <= b.y + b.height + 1;
const overlap = (a, b) => a.x < b.x + b.width - 1 && b.x < a.x + a.width - 1 && a.y < b.y + b.height - 1 && b.y < a.y + a.height - 1;
