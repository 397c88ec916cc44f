// A device that goes away during the call, as Chromium really does it: the
// page's camera permission is revoked while the camera is live (a user
// blocking the camera in the site settings). Chromium then stops the capture
// from the browser side: every track of that getUserMedia request ends (the
// microphone's too), as when a device is unplugged. The page must carry on
// with what it can still get: another microphone (still allowed) and no
// camera, said on its own screen (with the real reason: the permission was
// refused) and seen by the others; once the camera is allowed again, the
// Camera toggle brings it back.
//
// Chromium's fake capture cannot unplug a device, and its permission check
// is bypassed by --use-fake-ui-for-media-stream (revoking then changes
// nothing): the page whose camera goes away runs in a Chromium of its own
// without that flag, its context granted camera and microphone the way
// playwright grants permissions (a DevTools override), which DevTools can
// then take back (`Browser.setPermission`).
import { chromium } from 'playwright-core';
import { expectIndicators } from './messages.mjs';
import { sentDevices } from './prejoin.mjs';

/**
 * @param {object} h room.e2e.mjs's helpers: `chromiumPath`, `chromiumArgs`, `openPage`,
 *   `closePage`, `waitJoined`, `peerId`, `expectPlaying`, `waitFor`, `ok`, `check`
 * @returns {Array<[string, (state: object) => Promise<void>]>}
 */
export function deviceLostScenarios(h) {
  async function cameraRevoked(state) {
    const args = h.chromiumArgs.filter((a) => a !== '--use-fake-ui-for-media-stream');
    const own = await chromium.launch({ executablePath: h.chromiumPath, headless: true, args });
    try {
      const other = await h.openPage(state.browser, 'Y');
      await other.goto(`${state.base}/`);
      await h.waitJoined(other);
      const page = await h.openPage(own, 'X');
      await page.goto(other.url());
      await h.waitJoined(page);
      for (const [label, p] of [['X', page], ['Y', other]]) await h.expectPlaying(p, 2, label);
      const before = await sentDevices(page);
      h.check(before.video && before.audio, `X sends ${JSON.stringify(before)} before the camera goes`);
      const tileOfX = other.locator(`#video-grid .tile[data-peer="${await h.peerId(page)}"]`);

      const cdp = await own.newBrowserCDPSession();
      const camera = (setting) => setPermission(cdp, page, 'camera', setting);
      await camera('denied');

      // X: says so, the Camera toggle is off, the microphone went on with another device.
      await h.waitFor('X says its camera permission was refused and sends its sound from another microphone', async () => {
        const status = (await page.locator('#status [data-slot]').allTextContents()).join(' ');
        const pressed = await page.getByTestId('toggle-camera').getAttribute('aria-pressed');
        const mode = await page.locator('body').getAttribute('data-mode');
        const sent = await sentTracks(page);
        // The browser says the permission is denied: that, not "disconnected", is the reason given.
        const fits = status.startsWith('Camera: permission refused.') && !status.includes('disconnected') && pressed === 'false' && mode === 'audio-only'
          && sent.video === null && sent.audio?.state === 'live' && sent.audio.device !== before.audio;
        return fits ? h.ok(true) : { ok: false, why: JSON.stringify({ status, pressed, mode, sent, before }) };
      });
      const picked = await page.getByTestId('microphone-select').inputValue();
      h.check(picked === (await sentDevices(page)).audio, `X's microphone picker shows ${picked}, not the microphone in use`);

      // Y: X's tile says camera off (not muted), and X's sound keeps coming.
      await expectIndicators(tileOfX, 'Y, on X\'s tile', { mic: false, camera: true }, h);
      await expectSoundFrom(other, page, 'Y hears X after the switch');

      // The camera allowed again: the toggle turns it back on, Y plays X's video.
      await camera('granted');
      await page.getByTestId('toggle-camera').click();
      await h.waitFor('X has its camera back', async () => {
        const mode = await page.locator('body').getAttribute('data-mode');
        const lines = await page.locator('#status [data-slot]').allTextContents();
        return mode === 'full' && lines.length === 0 ? h.ok(true) : { ok: false, why: `mode ${mode}, status ${JSON.stringify(lines)}` };
      });
      await expectIndicators(tileOfX, 'Y, on X\'s tile with the camera back', { mic: false, camera: false }, h);
      for (const [label, p] of [['X', page], ['Y', other]]) await h.expectPlaying(p, 2, `${label} with X's camera back`);
      for (const [label, p] of [['X', page], ['Y', other]]) await h.closePage(label, p);
    } finally {
      await own.close().catch(() => {});
    }
  }

  /** Sets `name`'s permission for `page`'s origin in the page's own browser context. */
  async function setPermission(cdp, page, name, setting) {
    const { targetInfos } = await cdp.send('Target.getTargets');
    const target = targetInfos.find((t) => t.type === 'page' && t.url === page.url());
    h.check(target?.browserContextId, `no DevTools target for ${page.url()}`);
    const { origin } = new URL(page.url());
    await cdp.send('Browser.setPermission', { permission: { name }, setting, origin, browserContextId: target.browserContextId });
  }

  /** The tracks `page` sends on its first call: kind → {device, state}, null for none. */
  function sentTracks(page) {
    return page.evaluate(() => {
      const room = window.linguaRoom;
      const pc = room.tiles.callOf(room.tiles.peers()[0])?.peerConnection;
      const out = { audio: null, video: null };
      for (const sender of pc?.getSenders() ?? []) {
        const track = sender.track;
        if (track) out[track.kind] = { device: track.getSettings().deviceId, state: track.readyState };
      }
      return out;
    });
  }

  /** Waits until `listener` receives more audio from `speaker` over their call than it had (bytes keep coming). */
  async function expectSoundFrom(listener, speaker, label) {
    const speakerId = await h.peerId(speaker);
    const bytes = () => listener.evaluate(async (id) => {
      const pc = window.linguaRoom.tiles.callOf(id)?.peerConnection;
      let sum = 0;
      for (const report of (await pc?.getStats())?.values() ?? []) {
        if (report.type === 'inbound-rtp' && report.kind === 'audio') sum += report.bytesReceived;
      }
      return sum;
    }, speakerId);
    let first = null;
    await h.waitFor(label, async () => {
      const now = await bytes();
      if (first !== null && now > first) return h.ok(true);
      if (first === null || now < first) first = now; // a new call starts from zero
      return { ok: false, why: `${now} audio bytes received (from ${first})` };
    });
  }

  return [['devices: the camera taken away during the call (its permission revoked: Chromium ends the live tracks): the page says the camera permission was refused and goes on with another microphone, the other page sees camera off and keeps hearing it; allowed again, the camera comes back', cameraRevoked]];
}
