// The room on a phone: a 390x844 touch screen at 3x, with several cameras (a
// Chromium of its own, started with three fake cameras), in a room with two
// desktop pages (one camera each). The controls stay on one row, no field
// is small enough for iOS to zoom into, the safe areas (emulated through
// DevTools) are kept on every side, the camera flips on every call, and the
// invite goes to the share sheet. Screenshots of the desktop and the phone
// go to e2e/artifacts/desktop.png and phone.png.
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const PHONE = { viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true, deviceScaleFactor: 3 };
const INSETS = { top: 47, right: 12, bottom: 34, left: 14 };
// Two browsers decoding three streams each: on a busy machine video takes a while to start.
const PLAYING = 45000;

/**
 * @param {object} h room.e2e.mjs's helpers: `chromiumPath`, `chromiumArgs`, `artifacts`, `openPage`,
 *   `closePage`, `record`, `waitJoined`, `expectPlaying`, `waitFor`, `ok`, `check`
 */
export function phoneScenarios(h) {
  async function phone(state) {
    const cameras = h.chromiumArgs.map((a) => (a === '--use-fake-device-for-media-stream' ? `${a}=device-count=3` : a));
    const browser = await chromium.launch({ executablePath: h.chromiumPath, headless: true, args: cameras });
    try {
      const D1 = await desktop(state, 'D1');
      await D1.goto(`${state.base}/`);
      await h.waitJoined(D1);
      const room = D1.url();
      const D2 = await desktop(state, 'D2');
      await D2.goto(room);
      await h.waitJoined(D2);
      const P = await openPhone(browser, 'phone');
      await P.goto(room);
      await h.waitJoined(P);
      for (const [label, page] of [['D1', D1], ['D2', D2], ['phone', P]]) await h.expectPlaying(page, 3, label, PLAYING);

      await expectOneRow(P);
      await expectNoZoomFields(P);
      await expectSafeAreas(P);
      await expectFlip(P, D1);
      await expectShareSheet(P);

      await D1.screenshot({ path: join(h.artifacts, 'desktop.png') });
      await P.screenshot({ path: join(h.artifacts, 'phone.png') });
      await P.getByTestId('toggle-chat').tap();
      await expectNoZoomFields(P);
      await P.screenshot({ path: join(h.artifacts, 'phone-chat.png') });
      for (const [label, page] of [['D1', D1], ['D2', D2], ['phone', P]]) await h.closePage(label, page);
    } finally {
      await browser.close().catch(() => {});
    }
  }

  async function desktop(state, label) {
    const page = await h.openPage(state.browser, label);
    await page.setViewportSize({ width: 1280, height: 800 });
    return page;
  }

  async function openPhone(browser, label) {
    const context = await browser.newContext({ ...PHONE, permissions: ['camera', 'microphone'] });
    // Chromium on Linux has no share sheet: a stand-in that records what it was given.
    await context.addInitScript(() => {
      if (typeof navigator.share === 'function') return;
      window.__shared = [];
      navigator.share = async (data) => {
        window.__shared.push(data);
      };
    });
    const page = await context.newPage();
    page.on('console', (msg) => h.record(label, `${msg.type()}: ${msg.text()}`));
    page.on('pageerror', (err) => h.record(label, `pageerror: ${err.message}`));
    return page;
  }

  return [['phone: 390x844 touch, several cameras: one row of controls, no zoom on focus, safe areas on every side, camera flip on every call, invite through the share sheet; desktop and phone screenshots', phone]];

  async function expectOneRow(P) {
    const boxes = await P.locator('#controls button:visible').evaluateAll((all) =>
      all.map((b) => ({ id: b.id, ...JSON.parse(JSON.stringify(b.getBoundingClientRect())) })));
    h.check(boxes.length >= 6, `phone: only ${boxes.length} control buttons visible`);
    const tops = new Set(boxes.map((b) => Math.round(b.top)));
    h.check(tops.size === 1, `phone: the controls are on ${tops.size} rows: ${JSON.stringify(boxes)}`);
    const out = boxes.filter((b) => b.left < 0 || b.right > 390);
    h.check(out.length === 0, `phone: controls outside the 390 px viewport: ${JSON.stringify(out)}`);
    const width = await P.evaluate(() => document.documentElement.scrollWidth);
    h.check(width <= 390, `phone: the page scrolls sideways (${width} px wide)`);
  }

  async function expectNoZoomFields(P) {
    const small = await P.locator('input:visible, select:visible, textarea:visible').evaluateAll((all) =>
      all.map((e) => ({ id: e.id, size: parseFloat(getComputedStyle(e).fontSize) })).filter((f) => f.size < 16));
    h.check(small.length === 0, `phone: fields under 16 px (iOS zooms into them): ${JSON.stringify(small)}`);
  }

  // The emulated insets must show up in the paddings of the bars on their sides.
  async function expectSafeAreas(P) {
    const session = await P.context().newCDPSession(P);
    const padding = () => P.evaluate(() => {
      const px = (selector, side) => parseFloat(getComputedStyle(document.querySelector(selector))[`padding${side}`]);
      return {
        top: px('.topbar', 'Top'),
        right: Math.min(px('.topbar', 'Right'), px('.controls', 'Right'), px('.stage', 'Right')),
        bottom: px('.controls', 'Bottom'),
        left: Math.min(px('.topbar', 'Left'), px('.controls', 'Left'), px('.stage', 'Left')),
      };
    });
    const before = await padding();
    await session.send('Emulation.setSafeAreaInsetsOverride', { insets: INSETS });
    try {
      const after = await padding();
      for (const side of Object.keys(INSETS)) {
        const grown = after[side] - before[side];
        h.check(Math.abs(grown - INSETS[side]) < 0.5, `phone: the ${side} safe area (${INSETS[side]} px) grows the padding by ${grown} px`);
      }
      await expectOneRow(P);
      await P.screenshot({ path: join(h.artifacts, 'phone-safe-area.png') });
    } finally {
      await session.send('Emulation.setSafeAreaInsetsOverride', { insets: {} }).catch(() => {});
    }
  }

  // The phone has several cameras, the desktop one: only the phone shows the
  // flip button. A flip puts the next camera on every call. Chromium's second
  // fake camera gives Y16 (depth) frames, which WebRTC does not encode, so the
  // frames are followed on the third one (MJPEG), two flips on.
  async function expectFlip(P, D1) {
    h.check(await D1.getByTestId('flip-camera').isHidden(), 'D1 (one camera) shows the flip button');
    await h.waitFor('the phone shows the flip button', async () => h.ok(await P.getByTestId('flip-camera').isVisible()));
    let previous = await sent(P);
    h.check(previous.senders.length === 2 && previous.senders.every((l) => l === previous.local), `phone: before the flip ${JSON.stringify(previous)}`);
    for (const flip of [1, 2]) {
      await P.getByTestId('flip-camera').tap();
      await h.waitFor(`flip ${flip}: the phone sends its next camera on both calls`, async () => {
        const now = await sent(P);
        const done = now.local !== previous.local && now.state === 'live' && now.senders.length === 2 && now.senders.every((l) => l === now.local);
        return done ? h.ok(true) : { ok: false, why: JSON.stringify(now) };
      });
      previous = await sent(P);
    }
    const phoneId = await P.evaluate(() => window.linguaRoom.peer.id);
    const flowing = async () => [await frames(P, 'outbound-rtp'), await frames(D1, 'inbound-rtp', phoneId)];
    const before = await flowing();
    await h.waitFor("the third camera's frames are encoded on both calls and decoded by D1", async () => {
      const now = await flowing();
      const grew = now[0].length === 2 && now[0].every((n, i) => n > before[0][i]) && now[1][0] > before[1][0];
      return grew ? h.ok(true) : { ok: false, why: `${JSON.stringify(before)} -> ${JSON.stringify(now)}` };
    }, PLAYING);
    await h.expectPlaying(D1, 3, 'D1 after the flips', PLAYING);
    await h.expectPlaying(P, 3, 'phone after the flips', PLAYING);
  }

  async function expectShareSheet(P) {
    const title = await P.getByTestId('copy-invite').getAttribute('title');
    h.check(/share/i.test(title), `phone: the invite tooltip says "${title}"`);
    await P.getByRole('button', { name: 'Invite', exact: true }).tap();
    await h.waitFor('the phone hands the link to the share sheet', async () => {
      const shared = await P.evaluate(() => window.__shared);
      return shared?.length === 1 && shared[0].url === P.url() ? h.ok(true) : { ok: false, why: JSON.stringify(shared) };
    });
    const status = (await P.getByTestId('status').textContent()) ?? '';
    h.check(!/copied/i.test(status), `phone: shared, yet the status says "${status}"`);
  }
}

/** The mean colour of what a <video> shows now, drawn small onto a canvas. */
function meanColour(page, selector) {
  return page.evaluate((css) => {
    const video = document.querySelector(css);
    const canvas = document.createElement('canvas');
    Object.assign(canvas, { width: 32, height: 24 });
    const context = canvas.getContext('2d');
    context.drawImage(video, 0, 0, 32, 24);
    const data = context.getImageData(0, 0, 32, 24).data;
    const sum = { r: 0, g: 0, b: 0 };
    for (let i = 0; i < data.length; i += 4) {
      sum.r += data[i];
      sum.g += data[i + 1];
      sum.b += data[i + 2];
    }
    const n = data.length / 4;
    return { r: Math.round(sum.r / n), g: Math.round(sum.g / n), b: Math.round(sum.b / n) };
  }, selector);
}

/** The video tracks of the phone: its own tile's, and each call's sender's (labels). */
function sent(page) {
  return page.evaluate(() => {
    const { tiles } = window.linguaRoom;
    const local = document.querySelector('#video-grid .tile.local video').srcObject.getVideoTracks()[0];
    const senders = tiles.peers().map((id) => tiles.callOf(id)?.peerConnection?.getSenders().find((s) => s.track?.kind === 'video')?.track);
    return { local: local?.label, state: local?.readyState, senders: senders.map((t) => t?.label ?? null) };
  });
}

/** Video frames encoded on each call (outbound-rtp), or decoded from `peerId` (inbound-rtp). */
function frames(page, type, peerId = null) {
  return page.evaluate(async ([kind, only]) => {
    const { tiles } = window.linguaRoom;
    const counts = [];
    for (const id of tiles.peers().filter((p) => !only || p === only)) {
      const stats = await tiles.callOf(id).peerConnection.getStats();
      stats.forEach((r) => {
        if (r.type === kind && r.kind === 'video') counts.push(kind === 'outbound-rtp' ? r.framesEncoded : r.framesDecoded);
      });
    }
    return counts;
  }, [type, peerId]);
}
