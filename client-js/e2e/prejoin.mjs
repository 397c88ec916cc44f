// End-to-end scenarios of the pre-join screen and of the devices during the
// call (run by room.e2e.mjs), and the step every scenario goes through:
// `passPrejoin`, which presses Join on the pre-join screen.
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { expectNoViolations } from './a11y.mjs';
import { expectIndicators } from './messages.mjs';

let h; // room.e2e.mjs's helpers, see prejoinScenarios

/**
 * Presses Join once the pre-join screen offers it (the room info came back
 * and the media request was answered). Does nothing on a page that already
 * joined, or that shows an end state (room full) instead.
 *
 * @param {import('playwright-core').Page} page
 * @param {{waitFor: Function}} helpers
 * @param {number} [timeout] ms
 */
export async function passPrejoin(page, { waitFor }, timeout = 20000) {
  await waitFor('the pre-join screen offers Join', async () => {
    const state = await page.evaluate(() => {
      if (window.linguaRoom || document.body.dataset.state) return 'past';
      const join = document.getElementById('join');
      return join && !join.disabled && !document.getElementById('prejoin').hidden ? 'ready' : 'waiting';
    });
    if (state === 'ready') await page.getByTestId('join').click();
    return state === 'waiting' ? { ok: false, why: 'Join not offered yet' } : { ok: true };
  }, timeout);
}

/** @param {object} helpers room.e2e.mjs's: openPage, closePage, waitJoined, peerId, expectPlaying, expectRoomFull, startServer, waitFor, ok, check, chromiumPath, chromiumArgs, serverCmd, artifacts */
export function prejoinScenarios(helpers) {
  h = helpers;
  return { countAndName, phone, fullRoom, deviceSwitch, viewerLater, shortcuts };
}

/** Opens `room` and waits for the pre-join screen to have its answers, without joining. */
async function atPrejoin(page, room) {
  await page.goto(room);
  await h.waitFor('the pre-join screen offers Join', async () => h.ok(await page.getByTestId('join').isEnabled()));
}

async function countAndName(state) {
  const first = await h.openPage(state.browser, 'P1');
  await first.goto(`${state.base}/`);
  await h.waitJoined(first);
  const room = first.url();
  const second = await h.openPage(state.browser, 'P2');
  await atPrejoin(second, room);
  const count = await second.getByTestId('prejoin-count').textContent();
  h.check(/^1 person in the room · max \d+$/.test(count), `P2's pre-join count says "${count}"`);
  h.check(await second.evaluate(() => window.linguaRoom === undefined), 'P2 joined before pressing Join');
  h.check(await second.locator('#video-grid').isHidden(), 'P2 shows the grid before joining');
  h.check(await second.getByTestId('prejoin-video').isVisible(), 'P2 shows no camera preview');
  // The fake microphone beeps: the meter moves.
  await h.waitFor('P2\'s microphone meter moves', async () => h.ok(await second.evaluate(() => document.getElementById('mic-level').value > 0.01)), 10000);
  await second.getByTestId('prejoin-name').fill('Zoë before joining');
  await expectNoViolations(second, 'the pre-join screen');
  await second.screenshot({ path: join(h.artifacts, 'prejoin.png') });
  await second.getByTestId('join').click();
  await h.waitJoined(second);
  h.check((await second.locator('#name-input').inputValue()) === 'Zoë before joining', 'P2\'s name field does not carry the pre-join name');
  await h.waitFor('P1 shows P2\'s pre-join name', async () => {
    const names = await first.evaluate(() => [...document.querySelectorAll('#video-grid .tile:not(.local) .name')].map((n) => n.textContent));
    return names.includes('Zoë before joining') ? h.ok(true) : { ok: false, why: JSON.stringify(names) };
  });
  for (const [label, page] of [['P1', first], ['P2', second]]) await h.expectPlaying(page, 2, label);
  await second.screenshot({ path: join(h.artifacts, 'prejoin-room.png') });
  for (const [label, page] of [['P1', first], ['P2', second]]) await h.closePage(label, page);
}

/**
 * The pre-join screen at 390x844 with touch (an empty room): everything fits
 * the width, no field small enough for iOS to zoom into, Join within reach,
 * and no axe violation. Screenshot: e2e/artifacts/prejoin-phone.png.
 */
async function phone(state) {
  const context = await state.browser.newContext({
    viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true, deviceScaleFactor: 3, permissions: ['camera', 'microphone'],
  });
  try {
    const page = await context.newPage();
    await atPrejoin(page, `${state.base}/`);
    const count = await page.getByTestId('prejoin-count').textContent();
    h.check(/^Nobody is here yet · max \d+$/.test(count), `phone: the pre-join count of a new room says "${count}"`);
    const small = await page.locator('#prejoin input:visible, #prejoin select:visible').evaluateAll((all) =>
      all.map((e) => ({ id: e.id, size: parseFloat(getComputedStyle(e).fontSize) })));
    h.check(small.length >= 3 && small.every((f) => f.size >= 16), `phone: pre-join fields (iOS zooms under 16 px): ${JSON.stringify(small)}`);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    h.check(width <= 390, `phone: the pre-join screen scrolls sideways (${width} px wide)`);
    const wide = await page.locator('#prejoin *:visible').evaluateAll((all) =>
      all.map((e) => ({ id: e.id || e.tagName, right: e.getBoundingClientRect().right })).filter((b) => b.right > 390.5));
    h.check(wide.length === 0, `phone: pre-join elements past the right edge: ${JSON.stringify(wide)}`);
    await expectNoViolations(page, 'the pre-join screen on a phone');
    await page.screenshot({ path: join(h.artifacts, 'prejoin-phone.png'), fullPage: true });
    await page.getByTestId('join').tap();
    await h.waitJoined(page);
  } finally {
    await context.close();
  }
}

async function fullRoom(state) {
  const base = await h.startServer(`${h.serverCmd} --max-room-size 1`);
  const one = await h.openPage(state.browser, 'G1');
  await one.goto(`${base}/`);
  await h.waitJoined(one);
  const two = await h.openPage(state.browser, 'G2');
  // Counts every request for media, from before the page's own script runs.
  await two.context().addInitScript(() => {
    window.__mediaRequests = 0;
    const devices = navigator.mediaDevices;
    const original = devices.getUserMedia.bind(devices);
    devices.getUserMedia = (constraints) => {
      window.__mediaRequests += 1;
      return original(constraints);
    };
  });
  await two.goto(one.url());
  await h.expectRoomFull(two, 'G2');
  const title = await two.locator('#room-state-title').textContent();
  h.check(/full/i.test(title), `G2's title says "${title}"`);
  h.check(await two.evaluate(() => window.__mediaRequests === 0), `G2 asked for media ${await two.evaluate(() => window.__mediaRequests)} times`);
  h.check(await two.getByTestId('prejoin').isHidden(), 'G2 still shows the pre-join screen');
  await two.screenshot({ path: join(h.artifacts, 'prejoin-full.png') });
  for (const [label, page] of [['G1', one], ['G2', two]]) await h.closePage(label, page);
}

/** What the page sends to its first peer: the device of each outgoing track. */
export function sentDevices(page) {
  return page.evaluate(() => {
    const room = window.linguaRoom;
    const pc = room.tiles.callOf(room.tiles.peers()[0])?.peerConnection;
    const out = {};
    for (const sender of pc?.getSenders() ?? []) if (sender.track) out[sender.track.kind] = sender.track.getSettings().deviceId;
    return out;
  });
}

async function deviceSwitch(state) {
  // Chromium's fake capture offers one camera unless told otherwise: a
  // browser of its own with three, for this page. Its second fake camera
  // gives Y16 (depth) frames, which WebRTC does not encode (see phone.mjs):
  // the switch goes to the third one.
  const args = h.chromiumArgs.map((a) => (a === '--use-fake-device-for-media-stream' ? `${a}=device-count=3` : a));
  const twoCameras = await chromium.launch({ executablePath: h.chromiumPath, headless: true, args });
  try {
    const sender = await h.openPage(twoCameras, 'D1');
    await sender.goto(`${state.base}/`);
    await h.waitJoined(sender);
    const receiver = await h.openPage(state.browser, 'D2');
    await receiver.goto(sender.url());
    await h.waitJoined(receiver);
    for (const [label, page] of [['D1', sender], ['D2', receiver]]) await h.expectPlaying(page, 2, label);
    const options = async (kind) => sender.locator(`#${kind}-select option`).evaluateAll((os) => os.map((o) => o.value));
    const cameras = await options('camera');
    const microphones = await options('microphone');
    h.check(cameras.length === 3 && microphones.length >= 2, `D1's pickers: ${cameras.length} cameras, ${microphones.length} microphones`);
    const before = await sentDevices(sender);
    const otherCamera = cameras[2];
    h.check(before.video !== otherCamera, `D1 sends from the third camera before the switch: ${JSON.stringify(before)}`);
    const otherMic = microphones.find((id) => id !== before.audio);
    // The call with D2 before the switch, to tell a swapped track from a new call.
    await sender.evaluate(() => {
      const { tiles } = window.linguaRoom;
      window.__callBefore = tiles.callOf(tiles.peers()[0]);
    });
    await sender.getByTestId('devices-panel').locator('summary').click();
    await sender.getByTestId('camera-select').selectOption(otherCamera);
    await sender.getByTestId('microphone-select').selectOption(otherMic);
    await h.waitFor('D1 sends from the chosen camera and microphone', async () => {
      const now = await sentDevices(sender);
      return now.video === otherCamera && now.audio === otherMic ? h.ok(true) : { ok: false, why: JSON.stringify({ now, otherCamera, otherMic }) };
    });
    // The same call goes on (replaceTrack, no new call), and plays.
    const sameCall = await sender.evaluate(() => window.linguaRoom.tiles.callOf(window.linguaRoom.tiles.peers()[0]) === window.__callBefore);
    h.check(sameCall, 'D1 placed a new call to switch devices instead of swapping the tracks');
    await h.expectPlaying(receiver, 2, 'D2 after the switch');
    const selfView = await sender.evaluate(() => document.querySelector('#video-grid .tile.local video').srcObject.getVideoTracks()[0].getSettings().deviceId);
    h.check(selfView === otherCamera, 'D1\'s own tile does not show the new camera');
    // The speaker: every remote video plays on the chosen output (Chromium
    // has setSinkId and three fake outputs, so the picker must be there).
    h.check(await receiver.getByTestId('speaker-select').isEnabled(), 'D2 has no speaker picker');
    const speakers = await receiver.locator('#speaker-select option').evaluateAll((os) => os.map((o) => o.value));
    await receiver.getByTestId('devices-panel').locator('summary').click();
    await receiver.getByTestId('speaker-select').selectOption(speakers.at(-1));
    await h.waitFor('D2 plays on the chosen speaker', async () => {
      const sinks = await receiver.evaluate(() => [...document.querySelectorAll('#video-grid .tile:not(.local) video')].map((v) => v.sinkId));
      return sinks.length === 1 && sinks[0] === speakers.at(-1) ? h.ok(true) : { ok: false, why: JSON.stringify(sinks) };
    });
    await expectNoViolations(receiver, 'the room with the Devices menu open');
    await receiver.screenshot({ path: join(h.artifacts, 'devices-menu.png') });
    await sender.screenshot({ path: join(h.artifacts, 'devices.png') });
    for (const [label, page] of [['D1', sender], ['D2', receiver]]) await h.closePage(label, page);
  } finally {
    await twoCameras.close().catch(() => {});
  }
}

async function viewerLater(state) {
  const other = await h.openPage(state.browser, 'O');
  await other.goto(`${state.base}/`);
  await h.waitJoined(other);
  const late = await h.openPage(state.browser, 'L');
  await atPrejoin(late, other.url());
  // Both off before joining: the devices are released, nothing is sent.
  await late.getByTestId('prejoin-camera').click();
  await late.getByTestId('prejoin-mic').click();
  await h.waitFor('L\'s toggles say off', async () =>
    h.ok(await late.evaluate(() => ['prejoin-camera', 'prejoin-mic'].every((id) => document.getElementById(id).getAttribute('aria-pressed') === 'false'))));
  h.check(await late.getByTestId('prejoin-no-video').isVisible(), 'L\'s preview does not say the camera is off');
  await late.screenshot({ path: join(h.artifacts, 'prejoin-off.png') });
  await late.getByTestId('join').click();
  await h.waitJoined(late);
  h.check((await late.locator('body').getAttribute('data-mode')) === 'viewer', 'L did not join as a viewer');
  await h.expectPlaying(late, 1, 'L (viewer)', 20000, { remoteOnly: true });
  // Now the camera, and then the microphone, from the controls bar.
  await late.getByTestId('toggle-camera').click();
  await late.getByTestId('toggle-mic').click();
  await h.waitFor('L sends its camera and microphone', async () => h.ok((await late.locator('body').getAttribute('data-mode')) === 'full'));
  for (const [label, page] of [['O', other], ['L', late]]) await h.expectPlaying(page, 2, label, 20000);
  const heard = await other.evaluate(() => document.querySelector('#video-grid .tile:not(.local) video').srcObject.getAudioTracks().length);
  h.check(heard === 1, `O receives ${heard} audio tracks from L`);
  for (const [label, page] of [['O', other], ['L', late]]) await h.closePage(label, page);
}

/** The pre-join screen as a user sees it: each toggle's state and tooltip, the preview, the meter. */
function prejoinState(page) {
  return page.evaluate(() => {
    const $ = (id) => document.getElementById(id);
    const toggle = (id) => ({ pressed: $(id).getAttribute('aria-pressed'), title: $(id).title, keys: $(id).getAttribute('aria-keyshortcuts') });
    return {
      camera: toggle('prejoin-camera'),
      mic: toggle('prejoin-mic'),
      preview: !$('prejoin-video').hidden && $('prejoin-video').videoWidth > 0,
      cameraOffShown: !$('prejoin-no-video').hidden,
      level: $('mic-level').value,
    };
  });
}

/** Waits until `page`'s pre-join screen matches `want` (mic, camera: on or off). */
async function expectPrejoin(page, label, { mic, camera }) {
  await h.waitFor(`${label}'s pre-join says mic ${mic ? 'on' : 'off'}, camera ${camera ? 'on' : 'off'}`, async () => {
    const now = await prejoinState(page);
    const fits = now.mic.pressed === String(mic) && now.camera.pressed === String(camera)
      && now.preview === camera && now.cameraOffShown === !camera && (mic || now.level === 0)
      && now.mic.title.startsWith(mic ? 'Turn microphone off' : 'Turn microphone on')
      && now.camera.title.startsWith(camera ? 'Turn camera off' : 'Turn camera on');
    return fits ? h.ok(true) : { ok: false, why: JSON.stringify(now) };
  });
}

/**
 * Two pages choose on the pre-join screen with the keyboard only, the focus
 * in the name field: K1 mutes (Ctrl+D) and turns the camera off and on again
 * (Ctrl+E twice), K2 turns the camera off. O, already in the room, sees K1
 * muted with its video playing, and K2 with the camera off and its sound
 * coming. In the room the same keys belong to the controls bar: Ctrl+E on K1
 * turns its camera off there (the pre-join toggle, hidden now, is not pressed).
 */
async function shortcuts(state) {
  const other = await h.openPage(state.browser, 'O');
  await other.goto(`${state.base}/`);
  await h.waitJoined(other);
  const pages = [];
  for (const label of ['K1', 'K2']) {
    const page = await h.openPage(state.browser, label);
    await atPrejoin(page, other.url());
    pages.push(page);
  }
  const [k1, k2] = pages;
  const shown = await prejoinState(k1);
  h.check(shown.mic.title === 'Turn microphone off (Ctrl+D)' && shown.mic.keys === 'Control+D', `K1's mic toggle: ${JSON.stringify(shown.mic)}`);
  h.check(shown.camera.title === 'Turn camera off (Ctrl+E)' && shown.camera.keys === 'Control+E', `K1's camera toggle: ${JSON.stringify(shown.camera)}`);
  await expectPrejoin(k1, 'K1 at first', { mic: true, camera: true });
  await h.waitFor('K1\'s microphone meter moves', async () => h.ok((await prejoinState(k1)).level > 0.01), 10000);

  await k1.getByTestId('prejoin-name').fill('Kim');
  await k1.getByTestId('prejoin-name').press('Control+D');
  await expectPrejoin(k1, 'K1 after Ctrl+D', { mic: false, camera: true });
  await k1.getByTestId('prejoin-name').press('Control+E');
  await expectPrejoin(k1, 'K1 after Ctrl+E', { mic: false, camera: false });
  await k1.getByTestId('prejoin-name').press('Control+E');
  await expectPrejoin(k1, 'K1 after Ctrl+E again', { mic: false, camera: true });
  const typed = await k1.getByTestId('prejoin-name').inputValue();
  h.check(typed === 'Kim', `the shortcuts typed into K1's name field: "${typed}"`);
  await k2.keyboard.press('Control+E');
  await expectPrejoin(k2, 'K2 after Ctrl+E', { mic: true, camera: false });

  for (const page of pages) await page.getByTestId('join').click();
  for (const page of pages) await h.waitJoined(page);
  const mode = async (page) => page.locator('body').getAttribute('data-mode');
  h.check(await mode(k1) === 'video-only' && await mode(k2) === 'audio-only', `the rooms start as ${await mode(k1)} (K1), ${await mode(k2)} (K2)`);
  const pressed = (page, id) => page.getByTestId(id).getAttribute('aria-pressed');
  h.check(await pressed(k1, 'toggle-mic') === 'false' && await pressed(k1, 'toggle-camera') === 'true', 'K1\'s room toggles do not say mic off, camera on');
  h.check(await pressed(k2, 'toggle-mic') === 'true' && await pressed(k2, 'toggle-camera') === 'false', 'K2\'s room toggles do not say mic on, camera off');
  const tileOn = async (page, of) => page.locator(`#video-grid .tile[data-peer="${await h.peerId(of)}"]`);
  await expectIndicators(await tileOn(other, k1), 'O, on K1\'s tile', { mic: true, camera: false }, h);
  await expectIndicators(await tileOn(other, k2), 'O, on K2\'s tile', { mic: false, camera: true }, h);
  // O plays its own video and K1's; K2 sends no video.
  await h.expectPlaying(other, 2, 'O', 20000, { exceptName: await k2.locator('#name-input').inputValue() });
  await h.waitFor('O receives K2\'s sound', async () => {
    const tracks = await (await tileOn(other, k2)).locator('video').evaluate((v) => v.srcObject?.getAudioTracks().length ?? 0);
    return tracks === 1 ? h.ok(true) : { ok: false, why: `${tracks} audio tracks` };
  });

  // The room's Ctrl+E: camera off on the call (the track stays, disabled).
  await k1.keyboard.press('Control+E');
  await expectIndicators(await tileOn(other, k1), 'O, on K1\'s tile after Ctrl+E in the room', { mic: true, camera: true }, h);
  h.check(await pressed(k1, 'toggle-camera') === 'false', 'K1\'s camera toggle is still pressed after Ctrl+E in the room');
  h.check(await mode(k1) === 'video-only', `K1 dropped its camera track on Ctrl+E in the room (now ${await mode(k1)})`);
  for (const [label, page] of [['O', other], ['K1', k1], ['K2', k2]]) await h.closePage(label, page);
}
