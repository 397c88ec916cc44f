// The application-message scenarios of the end-to-end test: the chat panel,
// the mute / camera-off indicators, and a flood against the server's rate
// limit. room.e2e.mjs runs them on its server and browser, after its own
// scenarios, and passes in its page helpers (opening, joining, waiting).
import { join } from 'node:path';

let h; // room.e2e.mjs's helpers, see messageScenarios

/**
 * @param {object} helpers `artifacts`, `openPage`, `joinPage`, `closePage`, `waitJoined`,
 *   `peerId`, `expectPlaying`, `expectNames`, `waitFor`, `ok`, `check`, `needRoom` of room.e2e.mjs
 */
export function messageScenarios(helpers) {
  h = helpers;
  return { chat, indicators, flood };
}

// Two new pages, P and Q, in a room of their own. P's name reaches Q over
// PeerJS, so the test waits for the names before chatting.
async function chat(state) {
  const P = await h.openPage(state.browser, 'P');
  await P.goto(`${state.base}/`);
  await h.waitJoined(P);
  const chatState = { browser: state.browser, room: P.url(), P };
  chatState.Q = await h.joinPage(chatState, 'Q');
  Object.assign(state, { chat: chatState, P, Q: chatState.Q });
  const { Q } = chatState;
  let dialogs = 0;
  for (const page of [P, Q]) {
    page.on('dialog', (dialog) => {
      dialogs += 1;
      dialog.dismiss().catch(() => {});
    });
  }
  for (const label of ['P', 'Q']) await h.expectPlaying(chatState[label], 2, label);
  await h.expectNames(chatState, ['P', 'Q']);
  const names = { P: await P.locator('#name-input').inputValue(), Q: await Q.locator('#name-input').inputValue() };
  h.check(await Q.getByTestId('chat-panel').isHidden(), 'Q: the chat panel starts closed');
  h.check(await Q.getByTestId('chat-unread').isHidden(), 'Q: no unread badge before any message');

  await P.getByTestId('toggle-chat').click();
  await sendChat(P, 'Hello from P');
  await expectLines(P, 'P', [{ author: `${names.P} (you)`, text: 'Hello from P', mine: true }]);
  await expectBadge(Q, 'Q', '1');
  const html = '<img src=x onerror=alert(1)>';
  await sendChat(P, html);
  await expectBadge(Q, 'Q', '2');
  h.check(await Q.getByTestId('chat-panel').isHidden(), 'Q: the panel opened by itself');

  await Q.getByTestId('toggle-chat').click();
  h.check(await Q.getByTestId('chat-panel').isVisible(), 'Q: the panel does not open');
  await expectBadge(Q, 'Q', '');
  await expectLines(Q, 'Q', [
    { author: names.P, text: 'Hello from P', mine: false },
    { author: names.P, text: html, mine: false },
  ]);
  const tags = await Q.locator('#chat-list *').evaluateAll((all) => [...new Set(all.map((e) => e.tagName))].sort());
  h.check(JSON.stringify(tags) === '["LI","P","SPAN","TIME"]', `Q: the chat list holds other elements: ${tags}`);
  h.check((await Q.locator('#chat-list img').count()) === 0, 'Q: the markup made an <img>');

  await sendChat(Q, 'Hi P, Q here');
  await expectLines(P, 'P', [
    { author: `${names.P} (you)`, text: 'Hello from P', mine: true },
    { author: `${names.P} (you)`, text: html, mine: true },
    { author: names.Q, text: 'Hi P, Q here', mine: false },
  ]);
  await expectBadge(P, 'P', ''); // P's panel is open: read as it arrives
  h.check(dialogs === 0, `${dialogs} alert dialogs opened`);
}

// P turns its microphone and camera off: Q shows both on P's tile, and so
// does R, who joins afterwards and learns it from P's announcement.
async function indicators(state) {
  await h.needRoom(state, 'P', 'Q');
  const { P, Q } = state;
  const id = await h.peerId(P);
  const tileOfP = (page) => page.locator(`#video-grid .tile[data-peer="${id}"]`);
  await P.getByTestId('toggle-mic').click();
  await P.getByTestId('toggle-camera').click();
  h.check((await P.getByTestId('toggle-mic').getAttribute('aria-pressed')) === 'false', 'P: the mic button is still pressed (on)');
  await expectIndicators(tileOfP(Q), 'Q', { mic: true, camera: true });
  const label = await tileOfP(Q).getAttribute('aria-label');
  h.check(/, muted, camera off$/.test(label), `Q: P's tile is labelled "${label}"`);
  h.check((await tileOfP(Q).getByTestId('indicator-mic').textContent()) === 'muted', 'Q: the mic indicator does not say "muted"');
  await Q.screenshot({ path: join(h.artifacts, 'chat.png') });

  state.R = await h.joinPage({ browser: state.browser, room: P.url() }, 'R');
  await expectIndicators(tileOfP(state.R), 'R (joined later)', { mic: true, camera: true });
  const tileOfQ = state.R.locator(`#video-grid .tile[data-peer="${await h.peerId(Q)}"]`);
  await expectIndicators(tileOfQ, "R, on Q's tile (all on)", { mic: false, camera: false });

  await P.getByTestId('toggle-mic').click();
  for (const [label, page] of [['Q', Q], ['R', state.R]]) {
    await expectIndicators(tileOfP(page), `${label} after P unmuted`, { mic: false, camera: true });
  }
  await P.getByTestId('toggle-camera').click();
  await expectIndicators(tileOfP(Q), 'Q after P turned the camera on', { mic: false, camera: false });

  // The indicators go with the tile.
  await P.getByTestId('toggle-mic').click();
  await expectIndicators(tileOfP(Q), 'Q after P muted again', { mic: true, camera: false });
  await P.getByTestId('leave').click();
  await h.waitFor("Q drops P's tile and its indicator", async () => {
    const tiles = await tileOfP(Q).count();
    const indicators = await Q.locator('#video-grid [data-indicator]').count();
    return tiles === 0 && indicators === 0 ? h.ok(true) : { ok: false, why: `${tiles} tiles, ${indicators} indicators` };
  }, 5000);
  await h.closePage('P', P);
  delete state.P;
}

// The server allows bursts of 20 messages a connection: 40 at once must be
// partly refused, and the refusal shown. R's panel is closed: its badge
// counts what arrived, exactly the lines Q's server acknowledged.
async function flood(state) {
  await h.needRoom(state, 'Q', 'R');
  const { Q, R } = state;
  // Q's panel is open (the chat scenario opened it), R's closed.
  if (await Q.getByTestId('chat-panel').isHidden()) await Q.getByTestId('toggle-chat').click();
  await Q.evaluate(() => {
    const input = document.getElementById('chat-input');
    const form = document.getElementById('chat-form');
    for (let i = 0; i < 40; i += 1) {
      input.value = `flood ${i}`;
      form.requestSubmit();
    }
  });
  await h.waitFor('Q shows why messages were refused', async () => {
    const error = Q.getByTestId('chat-error');
    const text = (await error.isVisible()) ? await error.textContent() : '';
    return /too fast/i.test(text) ? h.ok(true) : { ok: false, why: `error line: "${text}"` };
  });
  const floodLines = async (page) => (await chatLines(page)).filter((l) => l.text.startsWith('flood ')).map((l) => l.text);
  const sent = await floodLines(Q);
  h.check(sent.length >= 10 && sent.length < 40, `Q: ${sent.length} of 40 flood lines acknowledged`);
  await h.waitFor('R received exactly the acknowledged lines, in order', async () => {
    const got = await floodLines(R);
    return JSON.stringify(got) === JSON.stringify(sent) ? h.ok(true) : { ok: false, why: `${got.length} of ${sent.length}` };
  });
  await expectBadge(R, 'R', String(sent.length));

  // Once the burst is over, sending works again and the error line goes.
  await Q.getByTestId('chat-input').fill('after the flood');
  await h.waitFor('Q sends again after the burst', async () => {
    if ((await Q.getByTestId('chat-input').inputValue()) === '') return h.ok(true); // acknowledged
    await Q.getByTestId('chat-send').click();
    return { ok: false, why: (await Q.getByTestId('chat-error').textContent()) ?? '' };
  });
  h.check(await Q.getByTestId('chat-error').isHidden(), 'Q: the error line stays after a message went through');
  await h.waitFor('R receives the line after the flood', async () => h.ok((await chatLines(R)).at(-1)?.text === 'after the flood'));
  for (const label of ['Q', 'R']) {
    await h.closePage(label, state[label]);
    delete state[label];
  }
}

/** Types `text` in the chat field and presses Send; the field empties once the server acknowledged it. */
async function sendChat(page, text) {
  await page.getByTestId('chat-input').fill(text);
  await page.getByTestId('chat-send').click();
  await h.waitFor(`"${text}" is acknowledged`, async () => h.ok((await page.getByTestId('chat-input').inputValue()) === ''));
}

function chatLines(page) {
  return page.getByTestId('chat-line').evaluateAll((lines) =>
    lines.map((line) => ({
      author: line.querySelector('.chat-author').textContent,
      time: line.querySelector('time').textContent,
      text: line.querySelector('.chat-text').textContent,
      mine: line.classList.contains('mine'),
    })),
  );
}

/** Waits until the chat list shows exactly `expected` (author, text, mine), each with an HH:MM time. */
async function expectLines(page, label, expected) {
  await h.waitFor(`${label} shows ${expected.length} chat lines`, async () => {
    const lines = await chatLines(page);
    const shown = lines.map(({ author, text, mine }) => ({ author, text, mine }));
    const timed = lines.every((l) => /^\d\d:\d\d$/.test(l.time));
    return JSON.stringify(shown) === JSON.stringify(expected) && timed ? h.ok(true) : { ok: false, why: JSON.stringify(lines) };
  });
}

/** Waits until the unread badge shows `text` ('' = no badge), and the button's tooltip agrees. */
async function expectBadge(page, label, text) {
  await h.waitFor(`${label}'s unread badge shows "${text}"`, async () => {
    const badge = page.getByTestId('chat-unread');
    const shown = (await badge.isVisible()) ? await badge.textContent() : '';
    const name = await page.getByTestId('toggle-chat').getAttribute('title');
    const named = text === '' ? !/unread/.test(name) : name.includes(`${text} unread`);
    return shown === text && named ? h.ok(true) : { ok: false, why: `badge "${shown}", button "${name}"` };
  });
}

/**
 * Waits until `tile` shows exactly the indicators asked for, found by their
 * accessible names. Other scenario files pass their helpers (`waitFor`, `ok`).
 */
export async function expectIndicators(tile, label, { mic, camera }, helpers = h) {
  await helpers.waitFor(`${label} shows muted: ${mic}, camera off: ${camera}`, async () => {
    if ((await tile.count()) !== 1) return { ok: false, why: `${await tile.count()} tiles` };
    const muted = await tile.getByRole('img', { name: 'Microphone muted' }).count();
    const dark = await tile.getByRole('img', { name: 'Camera off' }).count();
    const visible = (muted === 0 || (await tile.getByRole('img', { name: 'Microphone muted' }).isVisible()))
      && (dark === 0 || (await tile.getByRole('img', { name: 'Camera off' }).isVisible()));
    return muted === Number(mic) && dark === Number(camera) && visible
      ? helpers.ok(true)
      : { ok: false, why: `muted ${muted}, camera off ${dark}, visible ${visible}` };
  });
}
