// End-to-end test of the room page against a real server binary, in Debian's
// Chromium driven by playwright-core.
//
//   npm run e2e -- --server "../target/debug/lingua-connect --addr 127.0.0.1:0"
//   LINGUA_SERVER_CMD="..." npm run e2e
//
// The server command must print a line containing `listening on http://…`.
// The script makes no assumption about the transport (Socket.IO or raw
// websocket): run it once per server. Options:
//
//   --server <cmd>     the server command (else $LINGUA_SERVER_CMD)
//   --no-room-full     skip the scenario that starts a second server with
//                      `--max-room-size 2` appended to the command
//   --large-room       also run a room of twelve pages (media.mjs), on a server
//                      with `--max-room-size 12` appended: about two busy
//                      cores for a few minutes (the default run fills a room
//                      to the server's own cap, at most twelve)
//   --chromium <path>  default /usr/bin/chromium
//   --turnserver <path>  coturn's turnserver for the TURN scenarios (default:
//                      `turnserver` on the PATH; ./scripts/test.sh installs it)
//   --verbose          print the pages' console output as it happens
//   --only <text>      while working on the test: run only the scenarios whose
//                      name contains <text> (the first chain's set up what
//                      they need; some later ones need the ones before them)
//
// Exit status 0 when every scenario passed. A screenshot of a room with three
// participants goes to e2e/artifacts/room.png, one of the chat panel and the
// mute indicators to e2e/artifacts/chat.png, the desktop and phone layouts
// to desktop.png and phone*.png (phone.mjs); on failure, screenshots of
// every open page and their console output go to e2e/artifacts/ too.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { mediaScenarios } from './media.mjs';
import { messageScenarios } from './messages.mjs';
import { originalPageScenario, seedShapeScenario } from './original.mjs';
import { oversizedFragmentedMessage } from './wire.mjs';
import { clusterScenario } from './cluster.mjs';
import { passPrejoin, prejoinScenarios } from './prejoin.mjs';
import { lastTurnLog, turnScenarios } from './turn.mjs';
import { a11yScenarios } from './a11y.mjs';
import { CHROMIUM_ARGS } from './chromium.mjs';
import { deviceLostScenarios } from './device-lost.mjs';
import { phoneScenarios } from './phone.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const artifacts = join(here, 'artifacts');
const { values: args } = parseArgs({
  options: {
    server: { type: 'string' },
    'no-room-full': { type: 'boolean', default: false },
    'large-room': { type: 'boolean', default: false },
    chromium: { type: 'string', default: '/usr/bin/chromium' },
    turnserver: { type: 'string', default: 'turnserver' },
    verbose: { type: 'boolean', default: false },
    only: { type: 'string' },
  },
});
const serverCmd = args.server ?? process.env.LINGUA_SERVER_CMD;
if (!serverCmd) {
  console.error('usage: npm run e2e -- --server "<command>"   (or set LINGUA_SERVER_CMD)');
  process.exit(2);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const servers = [];
const pages = new Map(); // label -> page, for the failure report
const consoleLog = [];
const results = [];

main().then(
  (code) => finish(code),
  (err) => {
    console.error(`e2e: ${err.stack ?? err}`);
    finish(1);
  },
);

async function main() {
  mkdirSync(artifacts, { recursive: true });
  const base = await startServer(serverCmd);
  console.log(`server: ${base} (${serverCmd})`);
  const browser = await chromium.launch({ executablePath: args.chromium, headless: true, args: CHROMIUM_ARGS });
  try {
    const state = { base, browser };
    await scenario('/ redirects to a UUID room; three pages join; each plays exactly three videos', () => threeJoin(state));
    await scenario('a page leaves: the others show two videos within 5 s (calling and answering side)', () => oneLeaves(state));
    await scenario('a page reloads: no duplicate videos anywhere', () => reloads(state));
    await scenario('signaling and PeerJS connections drop and come back: the room heals, no duplicates', () => drops(state));
    await scenario('camera refused: joins as a viewer, sees the others, and the others see its tile', () => viewer(state));
    await scenario('a page crashes: the others drop it within 5 s via user-disconnected (calling and answering side)', () => crashes(state));
    await scenario('a room id with markup gets the 404 page and runs no script', () => markup(state));
    await scenario('a PeerJS message over the limit in fragments (npm ws): the client reads close code 1009, not a reset', () => oversizedFragmentedMessage(state));
    const messages = messageScenarios({ artifacts, openPage, joinPage, closePage, waitJoined, peerId, expectPlaying, expectNames, waitFor, ok, check, needRoom });
    await scenario('chat: a line reaches the other page with its name and time, counted as unread while closed; markup stays text', () => messages.chat(state));
    await scenario('mute and camera off show on the tile for the others, newcomers included, and go when turned back on or the tile goes', () => messages.indicators(state));
    await scenario('a flood of chat lines: the refused ones say so in the panel, the acknowledged ones arrive once, in order', () => messages.flood(state));
    const media = mediaScenarios({ artifacts, openPage, closePage, waitJoined, peerId, expectPlaying, expectNames, expectRoomFull, waitFor, ok, check, need, sleep, launch: (extra) => chromium.launch({ executablePath: args.chromium, headless: true, args: [...CHROMIUM_ARGS, ...extra] }) });
    await scenario('screen share from a camera and from a viewer: pinned and whole for the others, unmirrored for the sharer; stop, browser stop, pin, leave; one peer connection per pair, names over signaling', () => media.share(state));
    // Rooms up to the cap: as many pages as the server's default cap (at
    // most twelve), then one more, refused. --large-room adds twelve.
    const cap = await roomCapacity(base);
    const full = Math.min(cap, 12);
    await scenario(`a full room (the server's cap, ${full} pages${full < cap ? ` of ${cap}` : ''}): every tile playing and readable, one peer connection per pair, the active speaker highlighted and on the first screenful, the next visitor told the room is full`, () => media.largeRoom(state, { size: full, refuseNext: full === cap }));
    if (args['large-room'] && full < 12) {
      await scenario('twelve pages (a server with --max-room-size 12): every tile playing and readable, one peer connection per pair, the active speaker highlighted and on the first screenful', async () =>
        media.largeRoom(state, { size: 12, base: await startServer(`${serverCmd} --max-room-size 12`) }));
    }
    await scenario('a page written for the Node original joins on the default flags (its PeerJS id is proven by the client cookie)', () => originalPageScenario({ openPage, closePage, waitFor, ok })(state));
    await scenario('the seed\'s own shape (--peerjs-port, default flags): a page written like the Node original, served on the main port with PeerJS on its own port, and a room page of the app play each other both ways', () => seedShapeScenario({ serverCmd, startServer, openPage, closePage, waitJoined, expectPlaying, waitFor, ok })(state));
    const turn = turnScenarios({
      serverCmd, turnserver: args.turnserver, children: servers, artifacts, verbose: args.verbose,
      startServer, openPage, closePage, waitJoined, expectPlaying, waitFor, ok, check, sleep,
    });
    await scenario('TURN: relay-only pages play both ways through coturn with credentials from the app (selected pair: relay), also after fetching fresh ones', () => turn.relay(state));
    await scenario('TURN: the app\'s secret is not coturn\'s: each tile says it cannot connect (credentials refused), nothing vanishes, the count stays', () => turn.wrongSecret(state));
    await scenario('a page that cannot get a single candidate: its tiles say so, the others show it as not connected and play each other, all count three', () => turn.blocked(state));
    await scenario('two processes sharing rooms through Redis: a page on each, video plays both ways', () => clusterScenario({ serverCmd, children: servers, startServer, openPage, closePage, waitJoined, expectPlaying })(state));
    const prejoin = prejoinScenarios({
      openPage, closePage, waitJoined, peerId, expectPlaying, expectRoomFull, startServer, waitFor, ok, check, artifacts, serverCmd,
      chromiumPath: args.chromium, chromiumArgs: CHROMIUM_ARGS,
    });
    await scenario('pre-join: the room\'s count before joining, a moving mic meter, no axe violation, and the name set there is the one the others see', () => prejoin.countAndName(state));
    await scenario('pre-join on a phone (390x844, touch): fits the width, fields of 16 px or more, no axe violation', () => prejoin.phone(state));
    if (!args['no-room-full']) {
      await scenario('pre-join: a full room is said before any request for the camera', () => prejoin.fullRoom(state));
    }
    await scenario('devices: switching camera and microphone replaces what the call sends; the speaker picker routes the audio', () => prejoin.deviceSwitch(state));
    await scenario('devices: joined with camera and mic off, turned on later, the others see and hear it', () => prejoin.viewerLater(state));
    await scenario('pre-join: Ctrl+D and Ctrl+E flip the toggles as a click does (tooltips say so), the room starts that way for the others, and the room takes the keys over', () => prejoin.shortcuts(state));
    for (const [name, run] of deviceLostScenarios({ chromiumPath: args.chromium, chromiumArgs: CHROMIUM_ARGS, openPage, closePage, waitJoined, peerId, expectPlaying, waitFor, ok, check })) await scenario(name, () => run(state));
    for (const [name, run] of a11yScenarios({ serverCmd, startServer, artifacts, openPage, joinPage, closePage, waitJoined, peerId, expectPlaying, expectRoomFull, waitFor, ok, check, need })) await scenario(name, () => run(state));
    for (const [name, run] of phoneScenarios({ chromiumPath: args.chromium, chromiumArgs: CHROMIUM_ARGS, artifacts, openPage, closePage, record, waitJoined, expectPlaying, waitFor, ok, check })) await scenario(name, () => run(state));
    if (!args['no-room-full']) {
      await scenario('--max-room-size 2: the third visitor sees "room full"', () => roomFull(browser));
    }
  } finally {
    if (results.some((r) => !r.ok)) await saveFailureArtifacts();
    await browser.close().catch(() => {});
  }
  console.log('');
  for (const { name, ok, error, ms } of results) {
    console.log(`${ok ? 'PASS' : 'FAIL'}  ${name}  (${(ms / 1000).toFixed(1)} s)${ok ? '' : `\n      ${error}`}`);
  }
  return results.every((r) => r.ok) && results.length > 0 ? 0 : 1;
}

async function scenario(name, run) {
  if (args.only && !name.includes(args.only)) return;
  const start = Date.now();
  try {
    await run();
    results.push({ name, ok: true, ms: Date.now() - start });
  } catch (err) {
    results.push({ name, ok: false, error: err.message, ms: Date.now() - start });
  }
  const last = results.at(-1);
  console.log(`${last.ok ? 'pass' : 'FAIL'}: ${name}${last.ok ? '' : ` — ${last.error}`}`);
}

// ---------------------------------------------------------------- scenarios

async function threeJoin(state) {
  const first = await openPage(state.browser, 'A');
  await first.goto(`${state.base}/`);
  const url = new URL(first.url());
  const roomId = url.pathname.slice(1);
  check(url.origin === new URL(state.base).origin && UUID.test(roomId), `/ redirected to ${first.url()}, not a UUID v4 room`);
  state.room = first.url();
  state.A = first;
  await waitJoined(first);
  console.log(`transport: ${await first.evaluate(() => window.linguaRoom.config.transport)}`);
  state.B = await joinPage(state, 'B');
  state.C = await joinPage(state, 'C');
  for (const label of ['A', 'B', 'C']) await expectPlaying(state[label], 3, label);
  await expectNames(state, ['A', 'B', 'C']);
  for (const label of ['A', 'B', 'C']) {
    const count = await state[label].locator('#participant-count').textContent();
    check(/^3 participants/.test(count), `${label}: participant count says "${count}"`);
  }
  await state.A.screenshot({ path: join(artifacts, 'room.png') });
}

// B joined second: A called B (A is the calling side), and B called C (C is
// the answering side). Both must drop B's tile.
async function oneLeaves(state) {
  await needRoom(state, 'A', 'B', 'C');
  await state.B.getByTestId('leave').click();
  await waitFor('B shows the "left" state', async () => ok((await state.B.locator('body').getAttribute('data-state')) === 'left'));
  await Promise.all([
    expectVideoCount(state.A, 2, 'A (called B)', 5000),
    expectVideoCount(state.C, 2, 'C (answered B)', 5000),
  ]);
  for (const label of ['A', 'C']) await expectPlaying(state[label], 2, label);
  await closePage('B', state.B);
  delete state.B;
}

async function reloads(state) {
  await needRoom(state, 'A', 'C');
  const oldId = await peerId(state.A);
  await state.A.reload();
  await waitJoined(state.A);
  const newId = await peerId(state.A);
  check(newId && newId !== oldId, 'A has a new PeerJS id after the reload');
  for (const label of ['A', 'C']) await expectPlaying(state[label], 2, label);
  await expectNoDuplicates(state, ['A', 'C'], 2, 3000);
  const peersOnC = await tilePeers(state.C);
  check(peersOnC.length === 1 && peersOnC[0] === newId, `C shows ${JSON.stringify(peersOnC)}, expected only A's new id ${newId}`);
}

async function drops(state) {
  await needRoom(state, 'A', 'C');
  await state.C.evaluate(() => window.linguaRoom.dropSocket());
  // The server drops C's membership and tells A; C re-joins, A calls it again.
  for (const label of ['A', 'C']) await expectPlaying(state[label], 2, label, 20000);
  await expectNoDuplicates(state, ['A', 'C'], 2, 2000);
  await state.A.evaluate(() => window.linguaRoom.dropPeer());
  await waitFor('A reconnects to the PeerJS server with the same id', async () =>
    ok(await state.A.evaluate(() => window.linguaRoom.peer.open && !window.linguaRoom.peer.disconnected)), 20000);
  await expectNoDuplicates(state, ['A', 'C'], 2, 2000);
  for (const label of ['A', 'C']) await expectPlaying(state[label], 2, label);
}

async function viewer(state) {
  await needRoom(state, 'A', 'C');
  const page = await openPage(state.browser, 'V', { refuseMedia: true });
  await page.goto(state.room);
  await waitJoined(page);
  state.V = page;
  // The viewer: its own tile (no stream) plus the two others, playing.
  await expectVideoCount(page, 3, 'V');
  await expectPlaying(page, 2, 'V', 20000, { remoteOnly: true });
  const status = (await page.locator('#status').textContent()) ?? '';
  check(/permission refused/i.test(status) && /viewer/i.test(status), `V's status says "${status}"`);
  check((await page.locator('body').getAttribute('data-mode')) === 'viewer', 'V is in viewer mode');
  // ... and hears them: each remote video carries an audio track, unmuted
  // (if the autoplay policy started them muted, the banner's button fixes it).
  const audio = () => page.evaluate(() =>
    [...document.querySelectorAll('#video-grid .tile:not(.local) video')].map((v) => ({
      tracks: v.srcObject?.getAudioTracks().length ?? 0,
      muted: v.muted,
    })));
  check((await audio()).every((a) => a.tracks === 1), `V's remote videos lack audio: ${JSON.stringify(await audio())}`);
  if ((await audio()).some((a) => a.muted)) await page.getByRole('button', { name: 'Turn sound on' }).click();
  check((await audio()).every((a) => !a.muted), `V's remote videos stay muted: ${JSON.stringify(await audio())}`);
  // The others: a tile for the viewer, with its name, next to the playing ones.
  const viewerName = await page.locator('#name-input').inputValue();
  for (const label of ['A', 'C']) {
    await expectVideoCount(state[label], 3, label);
    await expectPlaying(state[label], 2, label, 15000, { exceptName: viewerName });
    await waitFor(`${label} shows the viewer's name`, async () => {
      const names = (await snapshot(state[label])).map((v) => v.name);
      return names.includes(viewerName) ? ok(true) : { ok: false, why: JSON.stringify(names) };
    });
    await waitFor(`${label} shows the viewer's tile as "off", not "connecting"`, async () => {
      const states = await state[label].evaluate(() => [...document.querySelectorAll('#video-grid .tile')].map((t) => t.dataset.state));
      return states.includes('off') && !states.includes('connecting') ? ok(true) : { ok: false, why: JSON.stringify(states) };
    });
  }
  await expectNoDuplicates(state, ['A', 'C', 'V'], 3, 2000);
  await page.screenshot({ path: join(artifacts, 'viewer.png') });
}

// A graceful leave also closes the RTCPeerConnections, which the others
// notice by themselves. A crashed page closes nothing: its websocket dies with
// the renderer (so the server sends user-disconnected at once) while ICE would
// take far longer than 5 s to fail. Join order is C, A (reloaded), V: C called
// A, and A called V, so C is the calling side and V the answering side.
async function crashes(state) {
  await needRoom(state, 'A', 'C', 'V');
  const session = await state.A.context().newCDPSession(state.A);
  session.send('Page.crash').catch(() => {}); // never answers: the renderer is gone
  await Promise.all([
    expectVideoCount(state.C, 2, 'C (called A)', 5000),
    expectVideoCount(state.V, 2, 'V (answered A)', 5000),
  ]);
  await closePage('A', state.A);
  delete state.A;
  await expectPlaying(state.C, 1, 'C', 15000, { exceptName: await state.V.locator('#name-input').inputValue() });
  await expectPlaying(state.V, 1, 'V', 15000, { remoteOnly: true });
}

async function markup(state) {
  const page = await openPage(state.browser, 'X');
  let dialogs = 0;
  page.on('dialog', (dialog) => {
    dialogs += 1;
    dialog.dismiss().catch(() => {});
  });
  for (const path of ['/"><script>window.__pwned=1;alert(1)</script>', '/%22%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E', '/a"b']) {
    const response = await page.goto(state.base + path);
    check(response.status() === 404, `${path}: status ${response.status()}, expected 404`);
    const facts = await page.evaluate(() => ({
      scripts: document.scripts.length,
      pwned: window.__pwned,
      room: typeof window.linguaRoom,
      link: document.querySelector('a[href="/"]')?.textContent.trim(),
    }));
    check(facts.scripts === 0 && facts.pwned === undefined && facts.room === 'undefined', `${path}: a script ran or exists: ${JSON.stringify(facts)}`);
    check(/start a new room/i.test(facts.link ?? ''), `${path}: no "start a new room" link`);
  }
  check(dialogs === 0, `${dialogs} alert dialogs opened`);
  await closePage('X', page);
}

/** The most participants a room of the server holds, from its room-info endpoint. */
async function roomCapacity(base) {
  const answer = await fetch(`${base}/room-info/${crypto.randomUUID()}`);
  const info = await answer.json();
  if (!answer.ok || !Number.isInteger(info.capacity)) throw new Error(`room-info answered ${answer.status} ${JSON.stringify(info)}`);
  return info.capacity;
}

async function roomFull(browser) {
  const base = await startServer(`${serverCmd} --max-room-size 2`);
  const one = await openPage(browser, 'F1');
  await one.goto(`${base}/`);
  await waitJoined(one);
  const room = one.url();
  const two = await openPage(browser, 'F2');
  await two.goto(room);
  await waitJoined(two);
  await expectPlaying(one, 2, 'F1');
  await expectPlaying(two, 2, 'F2');
  const three = await openPage(browser, 'F3');
  await three.goto(room);
  await expectRoomFull(three, 'F3');
  const title = await three.locator('#room-state-title').textContent();
  check(/full/i.test(title), `F3's title says "${title}"`);
  check((await three.locator('#video-grid').isHidden()) === true, 'F3 hides the grid');
  await three.screenshot({ path: join(artifacts, 'room-full.png') });
  await expectNoDuplicates({ F1: one, F2: two }, ['F1', 'F2'], 2, 1500);
  for (const [label, page] of [['F1', one], ['F2', two], ['F3', three]]) await closePage(label, page);
}

// ---------------------------------------------------------------- helpers

async function startServer(command) {
  const child = spawn(command, { shell: true, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  servers.push(child);
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-4000);
    if (args.verbose) process.stderr.write(`[server] ${chunk}`);
  });
  return new Promise((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => reject(new Error(`server printed no "listening on" line within 60 s:\n${stderr}`)), 60000);
    child.stdout.on('data', (chunk) => {
      buffer += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(buffer);
      if (match) {
        clearTimeout(timer);
        resolve(match[1].replace(/\/$/, ''));
      }
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code ?? signal}) before listening:\n${stderr}`));
    });
  });
}

async function openPage(browser, label, { refuseMedia = false } = {}) {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 720 },
    permissions: refuseMedia ? [] : ['camera', 'microphone'],
  });
  if (refuseMedia) {
    // --use-fake-ui-for-media-stream accepts every prompt; refuse in this
    // context exactly as the browser does when the user says no.
    await context.addInitScript(() => {
      const refuse = () => Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));
      if (navigator.mediaDevices) navigator.mediaDevices.getUserMedia = refuse;
    });
  }
  const page = await context.newPage();
  pages.set(label, page);
  page.on('console', (msg) => record(label, `${msg.type()}: ${msg.text()}`));
  page.on('pageerror', (err) => record(label, `pageerror: ${err.message}`));
  return page;
}

function record(label, line) {
  consoleLog.push(`[${label}] ${line}`);
  if (args.verbose) console.log(`[${label}] ${line}`);
}

async function closePage(label, page) {
  pages.delete(label);
  await page.context().close();
}

async function joinPage(state, label) {
  const page = await openPage(state.browser, label);
  await page.goto(state.room);
  await waitJoined(page);
  return page;
}

async function waitJoined(page) {
  await passPrejoin(page, { waitFor });
  await waitFor('the page joins the room', async () => {
    const joined = await page.evaluate(() => window.linguaRoom?.joined === true);
    return joined ? ok(true) : { ok: false, why: (await page.locator('#status').textContent()) || 'not joined yet' };
  }, 20000);
}

const peerId = (page) => page.evaluate(() => window.linguaRoom.peer.id);
const tilePeers = (page) => page.evaluate(() => [...document.querySelectorAll('#video-grid .tile:not(.local)')].map((t) => t.dataset.peer));

function snapshot(page) {
  return page.evaluate(() =>
    [...document.querySelectorAll('#video-grid video')].map((v) => {
      const tile = v.closest('.tile');
      return {
        local: tile.classList.contains('local'),
        peer: tile.dataset.peer ?? null,
        name: tile.querySelector('.name').textContent,
        width: v.videoWidth,
        time: v.currentTime,
      };
    }),
  );
}

/**
 * Waits until the page shows exactly `count` playing videos (videoWidth > 0,
 * currentTime advancing). `remoteOnly` / `exceptName` leave tiles out of the
 * playing check (a viewer's tiles have no video), not out of the count.
 */
async function expectPlaying(page, count, label, timeout = 20000, { remoteOnly = false, exceptName = null } = {}) {
  await waitFor(`${label} plays ${count} videos`, async () => {
    const pick = (list) => list.filter((v) => !(remoteOnly && v.local) && !(exceptName && v.name === exceptName));
    const before = pick(await snapshot(page));
    await sleep(400);
    const after = pick(await snapshot(page));
    const playing = after.filter((v, i) => v.width > 0 && before[i] && v.time > before[i].time);
    if (before.length === count && after.length === count && playing.length === count) return ok(true);
    return { ok: false, why: `${after.length} videos, ${playing.length} playing: ${JSON.stringify(after)}` };
  }, timeout);
}

async function expectVideoCount(page, count, label, timeout = 15000) {
  await waitFor(`${label} shows exactly ${count} videos`, async () => {
    const n = await page.locator('#video-grid video').count();
    return n === count ? ok(true) : { ok: false, why: `${n} videos` };
  }, timeout);
}

/** A negative check: for `ms`, no page ever shows more than `count` videos. */
async function expectNoDuplicates(state, labels, count, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    for (const label of labels) {
      const n = await state[label].locator('#video-grid video').count();
      check(n <= count, `${label} shows ${n} videos, more than ${count}`);
      const peers = await tilePeers(state[label]);
      check(new Set(peers).size === peers.length, `${label} has two tiles for one peer: ${JSON.stringify(peers)}`);
    }
    await sleep(250);
  }
}

/** Every page shows the names of the others on their tiles, and its own. */
async function expectNames(state, labels) {
  const names = {};
  for (const label of labels) names[label] = await state[label].locator('#name-input').inputValue();
  check(new Set(Object.values(names)).size === labels.length, `names are not distinct: ${JSON.stringify(names)}`);
  for (const label of labels) {
    const expected = labels.map((l) => (l === label ? `${names[l]} (you)` : names[l])).sort();
    await waitFor(`${label} shows everyone's name`, async () => {
      const shown = (await snapshot(state[label])).map((v) => v.name).sort();
      return JSON.stringify(shown) === JSON.stringify(expected) ? ok(true) : { ok: false, why: JSON.stringify(shown) };
    }, 10000);
  }
}

/** Waits until `page` shows the "room full" screen (its body's data-state). */
async function expectRoomFull(page, label, timeout = 15000) {
  await waitFor(`${label} shows the room-full state`, async () => {
    const state = await page.locator('body').getAttribute('data-state');
    return state === 'full' ? ok(true) : { ok: false, why: `data-state=${state}` };
  }, timeout);
}

async function waitFor(label, probe, timeout = 15000) {
  const start = Date.now();
  let why = '';
  for (;;) {
    try {
      const result = await probe();
      if (result.ok) return;
      why = result.why ?? '';
    } catch (err) {
      why = err.message;
    }
    if (Date.now() - start > timeout) throw new Error(`${label}: not within ${timeout / 1000} s (last: ${why})`);
    await sleep(200);
  }
}

const ok = (value) => ({ ok: !!value });

function check(condition, message) {
  if (!condition) throw new Error(message);
}

// What a scenario of a chain (A, B, C and the viewer V here; P, Q, R in
// messages.mjs) needs from the ones before it: `labels` in one room, playing
// each other (V joins as a viewer). When an earlier scenario failed and left
// them missing, they are set up afresh in a new room, so one failure reports
// one failure (and `--only` runs any of them).
async function needRoom(state, ...labels) {
  if (labels.every((label) => state[label] && !state[label].isClosed())) return;
  console.log(`(a new room for ${labels.join(', ')}: an earlier scenario left them missing)`);
  for (const label of labels.includes('A') ? ['A', 'B', 'C', 'V'] : labels) {
    if (state[label]) await closePage(label, state[label]).catch(() => {});
    delete state[label];
  }
  for (const [i, label] of labels.entries()) {
    const page = await openPage(state.browser, label, { refuseMedia: label === 'V' });
    await page.goto(i === 0 ? `${state.base}/` : state.room);
    if (i === 0) state.room = page.url();
    await waitJoined(page);
    state[label] = page;
  }
  const cameras = labels.filter((label) => label !== 'V');
  const viewerName = labels.includes('V') ? await state.V.locator('#name-input').inputValue() : null;
  for (const label of cameras) await expectPlaying(state[label], cameras.length, label, 20000, { exceptName: viewerName });
}

function need(state, ...labels) {
  for (const label of labels) check(state[label], `page ${label} is missing (an earlier scenario failed)`);
}

async function saveFailureArtifacts() {
  for (const [label, page] of pages) {
    await page.screenshot({ path: join(artifacts, `failure-${label}.png`) }).catch(() => {});
  }
  writeFileSync(join(artifacts, 'console.log'), consoleLog.join('\n') + '\n');
  if (lastTurnLog()) writeFileSync(join(artifacts, 'turnserver.log'), lastTurnLog());
  console.error(`failure artifacts: ${artifacts} (screenshots, console.log)`);
}

function finish(code) {
  for (const child of servers) {
    try {
      process.kill(-child.pid, 'SIGTERM'); // the shell and the server
    } catch {
      // already gone
    }
  }
  process.exit(code);
}

process.on('SIGINT', () => finish(130));
