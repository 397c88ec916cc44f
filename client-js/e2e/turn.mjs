// The TURN scenarios of the end-to-end test: a real coturn on loopback, the
// app handing out credentials from the secret it shares with coturn, and
// pages that may only use relayed candidates (`?ice=relay`). Also what a
// page shows when its calls cannot connect at all. room.e2e.mjs runs them and
// passes in its helpers.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let h; // room.e2e.mjs's helpers, see turnScenarios
let turnLog = () => '';

/** The end of coturn's log, for the failure artifacts ('' when it never ran). */
export function lastTurnLog() {
  return turnLog();
}

/**
 * @param {object} helpers `serverCmd`, `turnserver` (path), `children` (killed at the end),
 *   `artifacts`, `verbose`, and `startServer`, `openPage`, `closePage`, `waitJoined`,
 *   `expectPlaying`, `waitFor`, `ok`, `check`, `sleep` of room.e2e.mjs
 */
export function turnScenarios(helpers) {
  h = helpers;
  return { relay, wrongSecret, blocked };
}

// Two pages that may only use relayed candidates, through coturn with the
// app's secret: video plays both ways, the chosen candidate pair is relayed
// on both sides, and a new call after fetching fresh credentials from
// /ice-servers is relayed too.
async function relay(state) {
  const turn = await startTurn(state);
  const base = await h.startServer(`${h.serverCmd} --ice-server turn:127.0.0.1:${turn.port} --turn-secret ${turn.secret} --turn-ttl 10m`);
  const room = `${await newRoom(base)}?ice=relay`;
  const [R1, R2] = [await joinAt(state, room, 'R1'), await joinAt(state, room, 'R2')];
  const given = await R1.evaluate(() => window.linguaRoom.config.iceServers);
  // One username per participant: <expiry>:<opaque id>.
  h.check(given.length === 1 && /^\d+:[0-9a-f]{24}$/.test(given[0].username ?? '') && given[0].credential, `R1 got ${JSON.stringify(given)}`);
  for (const [label, page] of [['R1', R1], ['R2', R2]]) await h.expectPlaying(page, 2, label, 30000);
  for (const [label, page] of [['R1', R1], ['R2', R2]]) await expectRelayed(page, label);

  // Fresh credentials from /ice-servers, then a new call with them: R2's
  // signaling drops, R1 calls it again when it is back.
  const fresh = await R2.evaluate(async () => {
    await window.linguaRoom.ice.refresh();
    return window.linguaRoom.ice.servers;
  });
  // /ice-servers answers the page's own cookie: the same participant.
  const participantOf = (username) => username?.split(':')[1];
  const pageParticipant = participantOf((await R2.evaluate(() => window.linguaRoom.config.iceServers))[0].username);
  h.check(/^\d+:[0-9a-f]{24}$/.test(fresh[0]?.username ?? '') && participantOf(fresh[0].username) === pageParticipant, `R2 fetched ${JSON.stringify(fresh)}`);
  const callBefore = await R1.evaluate(() => window.linguaRoom.tiles.callOf(window.linguaRoom.tiles.peers()[0])?.connectionId);
  await R2.evaluate(() => window.linguaRoom.dropSocket());
  await h.waitFor('R1 has a new call with R2', async () =>
    h.ok((await R1.evaluate(() => window.linguaRoom.tiles.callOf(window.linguaRoom.tiles.peers()[0])?.connectionId)) !== callBefore), 20000);
  for (const [label, page] of [['R1', R1], ['R2', R2]]) await h.expectPlaying(page, 2, label, 30000);
  for (const [label, page] of [['R1', R1], ['R2', R2]]) await expectRelayed(page, label);
  const used = await R2.evaluate(() => {
    const room = window.linguaRoom;
    return room.tiles.callOf(room.tiles.peers()[0]).peerConnection.getConfiguration().iceServers.map((s) => s.username);
  });
  const pageUsername = (await R2.evaluate(() => window.linguaRoom.config.iceServers))[0].username;
  h.check(used[0] === fresh[0].username && used[0] !== pageUsername, `R2's new call uses ${used}, not the fetched ${fresh[0].username} (page: ${pageUsername})`);
  await R1.screenshot({ path: join(h.artifacts, 'relay.png') });
  for (const [label, page] of [['R1', R1], ['R2', R2]]) await h.closePage(label, page);
}

// The app's secret is not coturn's: coturn refuses every allocation. Both
// pages say they cannot connect to the other, on the other's tile, which
// stays; the count still says two.
async function wrongSecret(state) {
  const turn = state.turn ?? (await startTurn(state));
  const base = await h.startServer(`${h.serverCmd} --ice-server turn:127.0.0.1:${turn.port} --turn-secret not-${turn.secret}`);
  const room = `${await newRoom(base)}?ice=relay`;
  const [W1, W2] = [await joinAt(state, room, 'W1'), await joinAt(state, room, 'W2')];
  for (const [label, page, other] of [['W1', W1, W2], ['W2', W2, W1]]) {
    const name = await other.locator('#name-input').inputValue();
    await expectLink(page, label, 'failed', new RegExp(`^Cannot connect to ${name}: the relay \\(TURN\\) server refused our credentials`), 20000);
  }
  for (const [label, page] of [['W1', W1], ['W2', W2]]) await expectCount(page, label, 2);
  await W1.screenshot({ path: join(h.artifacts, 'turn-refused.png') });
  await h.sleep(3000); // still there, still saying so: nothing vanished
  for (const [label, page] of [['W1', W1], ['W2', W2]]) {
    await expectLink(page, label, 'failed', /^Cannot connect to /, 1000);
    await expectCount(page, label, 2);
  }
  for (const [label, page] of [['W1', W1], ['W2', W2]]) await h.closePage(label, page);
}

// On the main server (no TURN server at all), Z may only use relayed
// candidates, so it has none: its calls cannot connect. Z says so on both
// tiles; A and B show Z's tile as not connected (never a silent vanish) and
// play each other; everyone counts three.
async function blocked(state) {
  const room = await newRoom(state.base);
  const A = await joinAt(state, room, 'A2');
  const B = await joinAt(state, room, 'B2');
  for (const [label, page] of [['A2', A], ['B2', B]]) await h.expectPlaying(page, 2, label);
  const Z = await joinAt(state, `${room}?ice=relay`, 'Z');
  const names = { A: await A.locator('#name-input').inputValue(), B: await B.locator('#name-input').inputValue(), Z: await Z.locator('#name-input').inputValue() };
  for (const other of [names.A, names.B]) {
    await expectLink(Z, 'Z', 'failed', new RegExp(`^Cannot connect to ${other}: your network may block video calls \\(a TURN relay is needed\\)`), 20000, other);
  }
  for (const [label, page] of [['A2', A], ['B2', B]]) {
    await expectLink(page, label, /^(reconnecting|failed)$/, /^(Reconnecting…|Cannot connect to )/, 30000, names.Z);
    await h.expectPlaying(page, 2, label, 5000, { exceptName: names.Z });
  }
  for (const [label, page] of [['A2', A], ['B2', B], ['Z', Z]]) await expectCount(page, label, 3);
  await Z.screenshot({ path: join(h.artifacts, 'blocked.png') });
  // Z leaves: the others drop its tile and count two again.
  await Z.getByTestId('leave').click();
  for (const [label, page] of [['A2', A], ['B2', B]]) {
    await expectCount(page, label, 2);
    await h.expectPlaying(page, 2, label);
  }
  for (const [label, page] of [['A2', A], ['B2', B], ['Z', Z]]) await h.closePage(label, page);
}

// ---------------------------------------------------------------- helpers

/** A new room's URL, from the app's redirect. */
async function newRoom(base) {
  const response = await fetch(`${base}/`, { redirect: 'manual' });
  const location = response.headers.get('location');
  h.check(response.status === 302 && location, `GET / answered ${response.status} ${location}`);
  return new URL(location, base).href;
}

async function joinAt(state, url, label) {
  const page = await h.openPage(state.browser, label);
  await page.goto(url);
  await h.waitJoined(page);
  return page;
}

/**
 * Waits until the tile of `name` (or every remote tile without `name`)
 * shows link `state` (a string or RegExp) with text matching `text`.
 */
async function expectLink(page, label, state, text, timeout, name = null) {
  const stateOk = (s) => (typeof state === 'string' ? s === state : state.test(s ?? ''));
  await h.waitFor(`${label} shows ${state} ${text} on ${name ?? 'every remote tile'}`, async () => {
    const tiles = await page.evaluate(() =>
      [...document.querySelectorAll('#video-grid .tile:not(.local)')].map((t) => ({
        name: t.querySelector('.name').textContent,
        link: t.dataset.link ?? null,
        text: t.querySelector('[data-testid="tile-link"]').hidden ? '' : t.querySelector('[data-testid="tile-link"]').textContent,
      })));
    const picked = tiles.filter((t) => name === null || t.name === name);
    const good = picked.length > 0 && picked.every((t) => stateOk(t.link) && text.test(t.text));
    return good ? h.ok(true) : { ok: false, why: JSON.stringify(tiles) };
  }, timeout);
}

async function expectCount(page, label, n) {
  await h.waitFor(`${label} counts ${n} participants`, async () => {
    const count = await page.locator('#participant-count').textContent();
    return new RegExp(`^${n} participants`).test(count) ? h.ok(true) : { ok: false, why: count };
  }, 10000);
}

/** Every remote call of `page` runs over a candidate pair whose local candidate is relayed. */
async function expectRelayed(page, label) {
  await h.waitFor(`${label}'s calls are relayed`, async () => {
    const pairs = await page.evaluate(async () => {
      const room = window.linguaRoom;
      const out = [];
      for (const peerId of room.tiles.peers()) {
        const pc = room.tiles.callOf(peerId)?.peerConnection;
        if (!pc) {
          out.push({ peerId, pc: false });
          continue;
        }
        const stats = await pc.getStats();
        let pair = null;
        stats.forEach((s) => {
          if (s.type === 'transport' && s.selectedCandidatePairId) pair = stats.get(s.selectedCandidatePairId);
        });
        if (!pair) stats.forEach((s) => {
          if (s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded') pair = s;
        });
        out.push({
          peerId,
          state: pair?.state,
          local: pair && stats.get(pair.localCandidateId)?.candidateType,
          remote: pair && stats.get(pair.remoteCandidateId)?.candidateType,
          received: pair?.bytesReceived ?? 0,
        });
      }
      return out;
    });
    const good = pairs.length > 0 && pairs.every((p) => p.state === 'succeeded' && p.local === 'relay' && p.received > 0);
    return good ? h.ok(true) : { ok: false, why: JSON.stringify(pairs) };
  }, 15000);
}

/**
 * Starts coturn in the foreground on free loopback ports with a random
 * secret (REST API credentials), and waits until it answers a STUN binding
 * request. It is killed with the other children at the end.
 */
async function startTurn(state) {
  const port = await freePort();
  const [minPort, maxPort] = await freeUdpRange(20);
  const secret = randomBytes(16).toString('hex');
  const dir = mkdtempSync(join(tmpdir(), 'lingua-turn-'));
  const flags = [
    '-n', '--listening-ip', '127.0.0.1', '--relay-ip', '127.0.0.1', '--listening-port', String(port),
    '--min-port', String(minPort), '--max-port', String(maxPort),
    '--use-auth-secret', '--static-auth-secret', secret, '--realm', 'lingua',
    '--no-tls', '--no-dtls', '--no-cli', '--allow-loopback-peers', '--fingerprint', '--no-software-attribute',
    '--log-file', 'stdout', '--simple-log', '--pidfile', join(dir, 'turnserver.pid'), '--userdb', join(dir, 'turndb'),
  ];
  const child = spawn(h.turnserver, flags, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  h.children.push(child);
  let log = '';
  const keep = (chunk) => {
    log = (log + chunk).slice(-20000);
    if (h.verbose) process.stderr.write(`[turnserver] ${chunk}`);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal)));
  child.on('error', (err) => keep(`spawn failed: ${err.message}\n`));
  // room.e2e.mjs ends with process.exit(): clean up then, whatever happened.
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  const up = await Promise.race([stunAnswers(port, 10000), exited.then((why) => `exited (${why})`)]);
  h.check(up === true, `turnserver (${h.turnserver}) did not answer STUN on 127.0.0.1:${port}: ${up}\n${log.slice(-3000)}`);
  state.turn = { port, secret };
  turnLog = () => log;
  console.log(`turnserver: 127.0.0.1:${port}, relay ports ${minPort}-${maxPort}`);
  return state.turn;
}

/** A TCP port free on 127.0.0.1 whose UDP twin is free too. */
async function freePort() {
  for (let i = 0; i < 20; i += 1) {
    const port = await new Promise((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const { port: p } = server.address();
        server.close(() => resolve(p));
      });
    });
    if (await udpFree(port)) return port;
  }
  throw new Error('no free port for turnserver');
}

/** `count` consecutive UDP ports free on 127.0.0.1, for relay allocations. */
async function freeUdpRange(count) {
  for (let i = 0; i < 50; i += 1) {
    const first = 40000 + Math.floor(Math.random() * 20000);
    let free = true;
    for (let p = first; p < first + count && free; p += 1) free = await udpFree(p);
    if (free) return [first, first + count - 1];
  }
  throw new Error('no free UDP port range for turnserver');
}

function udpFree(port) {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    socket.once('error', () => resolve(false));
    socket.bind(port, '127.0.0.1', () => socket.close(() => resolve(true)));
  });
}

/** Sends STUN binding requests to `port` until one is answered (true) or `ms` pass (a reason). */
function stunAnswers(port, ms) {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    const request = Buffer.alloc(20);
    request.writeUInt16BE(0x0001, 0); // Binding request, no attributes
    request.writeUInt32BE(0x2112a442, 4); // magic cookie
    randomBytes(12).copy(request, 8);
    const done = (result) => {
      clearInterval(ping);
      clearTimeout(timer);
      socket.close();
      resolve(result);
    };
    socket.on('message', (reply) => {
      if (reply.length >= 20 && reply.readUInt16BE(0) === 0x0101 && reply.subarray(8, 20).equals(request.subarray(8, 20))) done(true);
    });
    socket.on('error', () => {}); // ICMP port unreachable until it listens
    const ping = setInterval(() => socket.send(request, port, '127.0.0.1'), 200);
    const timer = setTimeout(() => done(`no STUN answer within ${ms / 1000} s`), ms);
  });
}
