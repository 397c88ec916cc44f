// Accessibility and the everyday controls, end to end: axe-core finds no WCAG
// 2.x A/AA violation in the room, on the end screens and on the 404 page;
// the toggles keep their visible word as their name and say their state with
// aria-pressed; the keyboard shortcuts work; joins, renames and leaves are
// announced by name in one live region that stays the same element; the
// invite link lands on the clipboard; a rename reaches the other tile; a
// leave shows the end screen and drops the tile for the others.
//
// expectNoViolations is exported for any other screen (the pre-join screen).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

/**
 * Runs axe-core in `page` with the WCAG 2.x A and AA rules and throws, with a
 * readable list, on any violation. The source goes in through evaluate (not a
 * <script>), so the pages' Content-Security-Policy does not stop it.
 */
export async function expectNoViolations(page, label) {
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async (tags) => {
    const result = await window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => `${n.target.join(' ')}: ${n.failureSummary.replace(/\s+/g, ' ')}`),
    }));
  }, TAGS);
  if (violations.length === 0) return;
  const lines = violations.map((v) => `  ${v.id} (${v.impact}): ${v.help}\n${v.nodes.map((n) => `    - ${n}`).join('\n')}`);
  throw new Error(`${label}: ${violations.length} axe violation(s):\n${lines.join('\n')}`);
}

/**
 * The scenarios as [name, run(state)] pairs, for room.e2e.mjs's `scenario`.
 *
 * @param {object} h room.e2e.mjs's helpers: `serverCmd`, `startServer`, `artifacts`, `openPage`,
 *   `joinPage`, `closePage`, `waitJoined`, `peerId`, `expectPlaying`, `expectRoomFull`, `waitFor`, `ok`, `check`, `need`
 */
export function a11yScenarios(h) {
  const announced = (page) => page.getByTestId('announcer').textContent();
  const nameOf = (page) => page.locator('#name-input').inputValue();
  const tileOf = async (page, other) => page.locator(`#video-grid .tile[data-peer="${await h.peerId(other)}"]`);

  async function expectAnnounced(page, label, pattern) {
    await h.waitFor(`${label} announces ${pattern}`, async () => {
      const text = await announced(page);
      return pattern.test(text) ? h.ok(true) : { ok: false, why: `"${text}"` };
    }, 10000);
  }

  // Two pages, G and H, in a room of their own; G hears H arrive.
  async function room(state) {
    const G = await h.openPage(state.browser, 'G');
    await G.goto(`${state.base}/`);
    await h.waitJoined(G);
    // A mark on the live region: if the page ever rebuilt it, the mark would be gone.
    await G.evaluate(() => { document.getElementById('announcer').dataset.mark = 'original'; });
    const a11y = { browser: state.browser, room: G.url(), G };
    a11y.H = await h.joinPage(a11y, 'H');
    state.a11y = a11y;
    for (const label of ['G', 'H']) await h.expectPlaying(a11y[label], 2, label);
    await expectAnnounced(G, 'G', new RegExp(`^${escape(await nameOf(a11y.H))} joined$`));
    await expectNoViolations(G, 'the room with two pages');
    await G.getByTestId('toggle-chat').click();
    await expectNoViolations(G, 'the room with the chat open');
    await G.getByTestId('toggle-chat').click();
  }

  async function toggles(state) {
    h.need(state.a11y ?? {}, 'G', 'H');
    const { G, H } = state.a11y;
    for (const [word, testid, key] of [['Mic', 'toggle-mic', 'd'], ['Camera', 'toggle-camera', 'e'], ['Share', 'share-screen', null], ['Chat', 'toggle-chat', null]]) {
      const byName = G.getByRole('button', { name: word, exact: true });
      h.check((await byName.count()) === 1, `G: no button named exactly "${word}"`);
      h.check((await byName.getAttribute('data-testid')) === testid, `G: "${word}" is not ${testid}`);
      h.check((await byName.getAttribute('aria-pressed')) !== null, `G: "${word}" has no aria-pressed`);
      if (key) {
        const title = await byName.getAttribute('title');
        h.check(title.includes(`Ctrl+${key.toUpperCase()}`), `G: "${word}"'s tooltip "${title}" does not give its shortcut`);
      }
    }
    const mic = G.getByTestId('toggle-mic');
    const cam = G.getByTestId('toggle-camera');
    h.check((await mic.getAttribute('aria-pressed')) === 'true', 'G: the mic starts on (pressed)');
    // The shortcuts, while typing in the chat field: nothing typed, the toggles flip.
    await G.getByTestId('toggle-chat').click();
    await G.getByTestId('chat-input').focus();
    await G.keyboard.press('Control+d');
    await G.keyboard.press('Control+e');
    h.check((await G.getByTestId('chat-input').inputValue()) === '', 'G: the shortcut typed into the chat field');
    await G.getByTestId('toggle-chat').click();
    const pressed = async () => [await mic.getAttribute('aria-pressed'), await cam.getAttribute('aria-pressed')].join();
    h.check((await pressed()) === 'false,false', `G: after Ctrl+D and Ctrl+E the toggles say ${await pressed()}`);
    h.check((await G.getByRole('button', { name: 'Mic', exact: true }).count()) === 1, 'G: the mic button changed its name');
    const tile = await tileOf(H, G);
    await h.waitFor("H shows G's mic and camera off", async () => {
      const shown = await tile.locator('[data-indicator]').evaluateAll((all) => all.map((e) => e.dataset.indicator).sort().join());
      return shown === 'camera,mic' ? h.ok(true) : { ok: false, why: shown };
    });
    await expectNoViolations(G, 'the room with the mic and camera off');
    await G.keyboard.press('Control+d');
    await G.keyboard.press('Control+e');
    h.check((await pressed()) === 'true,true', `G: the shortcuts did not turn them back on: ${await pressed()}`);
    await h.waitFor("H shows G's mic and camera on again", async () => h.ok((await tile.locator('[data-indicator]').count()) === 0));
  }

  async function invite(state) {
    h.need(state.a11y ?? {}, 'G');
    const { G } = state.a11y;
    await G.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(G.url()).origin });
    const hasShare = await G.evaluate(() => typeof navigator.share === 'function');
    h.check(!hasShare, 'G: this Chromium has navigator.share; the desktop invite test expects the clipboard path');
    await G.getByRole('button', { name: 'Invite', exact: true }).click();
    await h.waitFor('G says the link was copied', async () => h.ok(/copied/i.test((await G.getByTestId('status').textContent()) ?? '')));
    const copied = await G.evaluate(() => navigator.clipboard.readText());
    h.check(copied === G.url(), `G copied "${copied}", not the room link ${G.url()}`);
  }

  async function rename(state) {
    h.need(state.a11y ?? {}, 'G', 'H');
    const { G, H } = state.a11y;
    const before = await nameOf(H);
    const input = H.locator('#name-input');
    await input.fill('  Ada <b>Lovelace</b>  ');
    await input.press('Enter');
    h.check((await nameOf(H)) === 'Ada <b>Lovelace</b>', `H's field says "${await nameOf(H)}" after the rename`);
    const tile = await tileOf(G, H);
    await h.waitFor("G shows H's new name on the tile", async () => {
      const shown = await tile.locator('.name').textContent();
      return shown === 'Ada <b>Lovelace</b>' ? h.ok(true) : { ok: false, why: shown };
    });
    h.check((await tile.locator('.name b').count()) === 0, 'G: the name became markup');
    h.check((await tile.getAttribute('aria-label')).startsWith('Ada <b>Lovelace</b>'), "G: the tile's label keeps the old name");
    await expectAnnounced(G, 'G', new RegExp(`${escape(before)} is now called Ada <b>Lovelace</b>`));
  }

  async function leave(state) {
    h.need(state.a11y ?? {}, 'G', 'H');
    const { G, H } = state.a11y;
    await H.getByRole('button', { name: 'Leave', exact: true }).click();
    await h.waitFor('H shows the "left" screen', async () => h.ok((await H.locator('body').getAttribute('data-state')) === 'left'));
    const focused = await H.evaluate(() => document.activeElement?.id);
    h.check(focused === 'room-state-title', `H: focus is on #${focused}, not the end screen's heading`);
    h.check(await H.getByTestId('rejoin').isVisible(), 'H: no rejoin link');
    await expectNoViolations(H, 'the "you left" screen');
    await h.waitFor("G drops H's tile", async () => {
      const n = await G.locator('#video-grid .tile').count();
      return n === 1 ? h.ok(true) : { ok: false, why: `${n} tiles` };
    });
    await expectAnnounced(G, 'G', /Ada <b>Lovelace<\/b> left$/);
    const mark = await G.evaluate(() => document.getElementById('announcer').dataset.mark);
    h.check(mark === 'original', 'G: the live region was rebuilt');
    h.check((await G.locator('[aria-live]').count()) === (await G.locator('#announcer, #status, #chat-list').count()),
      'G: a live region other than the announcer, the status and the chat list');
    await G.screenshot({ path: join(h.artifacts, 'after-leave.png') });
    for (const label of ['G', 'H']) await h.closePage(label, state.a11y[label]);
    delete state.a11y;
  }

  // A room of one: the second visitor gets the "room full" screen.
  async function endStates(state) {
    const base = await h.startServer(`${h.serverCmd} --max-room-size 1`);
    const one = await h.openPage(state.browser, 'K1');
    await one.goto(`${base}/`);
    await h.waitJoined(one);
    const two = await h.openPage(state.browser, 'K2');
    await two.goto(one.url());
    await h.expectRoomFull(two, 'K2', 30000);
    await expectNoViolations(two, 'the "room full" screen');
    const missing = await two.goto(`${state.base}/a"b`);
    h.check(missing.status() === 404, `/a"b: status ${missing.status()}`);
    await expectNoViolations(two, 'the 404 page');
    for (const [label, page] of [['K1', one], ['K2', two]]) await h.closePage(label, page);
  }

  return [
    ['a11y: a room of two has no axe violation (chat closed and open); G announces H by name', room],
    ['a11y: toggles are named by their word with aria-pressed; Ctrl+D / Ctrl+E flip mic and camera, also while typing', toggles],
    ['invite: the link is copied to the clipboard and the page says so', invite],
    ['rename during the call: the other tile and its label change, the change is announced, markup stays text', rename],
    ['leave: the end screen (focused, no axe violation); the other drops the tile and announces the name in the same live region', leave],
    ['a11y: the "room full" screen and the 404 page have no axe violation', endStates],
  ];
}

function escape(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
