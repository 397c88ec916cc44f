// A page written for the Node original, in a real browser against the
// Socket.IO app on its default flags: it loads /socket.io/socket.io.js from
// the server, registers a PeerJS peer on the co-hosted PeerJS server, and
// announces that peer's id with `join-room` once the peer is open, with no
// token or anything else of ours. The server must accept the id (the client
// cookie, set with socket.io.js, proves both sockets are one browser) and
// the two pages must see each other's video.
//
// The page is handed to the browser by playwright under the server's own
// origin (the server does not serve it), as an operator would host the old
// page next to the new server.

import { readFileSync } from 'node:fs';
import { freePort } from './net.mjs';

export function originalPageScenario({ openPage, closePage, waitFor, ok }) {
  return async function originalPage(state) {
    const probe = await fetch(`${state.base}/socket.io/?EIO=4&transport=polling`);
    if (!(await probe.text()).startsWith('0{')) {
      console.log('  (no Socket.IO on this server: nothing to check)');
      return;
    }
    const room = crypto.randomUUID();
    const url = `${state.base}/original/${room}`;
    const html = oldPageHtml(room, { transport: 'socketio' });
    const opened = [];
    for (const label of ['O1', 'O2']) {
      const page = await openPage(state.browser, label);
      await page.route('**/original/**', (route) => route.fulfill({ contentType: 'text/html', body: html }));
      await page.goto(url);
      opened.push([label, page]);
      // One after the other, as people arrive.
      await waitFor(`${label} registered and joined`, async () => {
        const { joined, refusals } = await page.evaluate(() => ({ joined: window.joined, refusals: window.refusals }));
        if (refusals?.length) return { ok: false, why: `refused: ${JSON.stringify(refusals)}` };
        return joined === true ? ok(true) : { ok: false, why: 'not joined yet' };
      });
    }
    for (const [label, page] of opened) {
      await waitFor(`${label} plays its own video and the other's`, async () => {
        const playing = await page.evaluate(() =>
          [...document.querySelectorAll('video')].filter((v) => v.readyState >= 2 && !v.paused && v.videoWidth > 0).length);
        return playing === 2 ? ok(true) : { ok: false, why: `${playing} playing` };
      }, 20000);
      const refused = await page.evaluate(() => window.refusals);
      if (refused.length) throw new Error(`${label}: the server refused ${JSON.stringify(refused)}`);
    }
    for (const [label, page] of opened) await closePage(label, page);
  };
}

// The seed's own shape: the Node original ran PeerJS on a port of its own
// (`new Peer(undefined, { host: '/', port: '3001' })`) beside the app's
// port. The server runs with `--peerjs-port` on its default flags; a page
// written like the original (stock socket.io-client and peerjs, `join-room`
// on the peer's `open`, no token) is served on the main port and gets its
// PeerJS id and socket from the other port, next to a room page of the app
// that uses the PeerJS server on the main port. Video plays both ways.
//
// On the warp twin, which serves rooms over the raw-websocket protocol, the
// page is the same with the package's WsClient in place of `io('/')` (the
// client with Socket.IO's event API; the transport is all that differs).
export function seedShapeScenario({ serverCmd, startServer, openPage, closePage, waitJoined, expectPlaying, waitFor, ok }) {
  return async function seedShape(state) {
    const peerPort = await freePort();
    const base = await startServer(`${serverCmd} --peerjs-port ${peerPort}`);
    const probe = await fetch(`${base}/socket.io/?EIO=4&transport=polling`);
    const transport = (await probe.text()).startsWith('0{') ? 'socketio' : 'websocket';
    const room = crypto.randomUUID();
    const old = await openPage(state.browser, 'S1');
    const html = oldPageHtml(room, { transport, peerPort });
    await old.route('**/original/**', (route) => route.fulfill({ contentType: 'text/html', body: html }));
    await old.route('**/original-lib/client.js', (route) => route.fulfill({
      contentType: 'application/javascript',
      body: readFileSync(new URL('../dist/lingua-signal-client.js', import.meta.url)),
    }));
    await old.goto(`${base}/original/${room}`);
    await waitFor('S1 (the old page) registered on the PeerJS port and joined', async () => {
      const { joined, refusals, peerErrors } = await old.evaluate(() => ({
        joined: window.joined, refusals: window.refusals, peerErrors: window.peerErrors,
      }));
      if (refusals?.length) return { ok: false, why: `refused: ${JSON.stringify(refusals)}` };
      if (peerErrors?.length) return { ok: false, why: `PeerJS: ${JSON.stringify(peerErrors)}` };
      return joined === true ? ok(true) : { ok: false, why: 'not joined yet' };
    }, 20000);
    const peerHost = await old.evaluate(() => window.peerServer);
    if (peerHost !== `${new URL(base).hostname}:${peerPort}`) throw new Error(`S1's PeerJS server is ${peerHost}, not the --peerjs-port`);
    const app = await openPage(state.browser, 'S2');
    await app.goto(`${base}/${room}`);
    await waitJoined(app);
    await expectPlaying(app, 2, 'S2 (a room page of the app)');
    await waitFor('S1 plays its own video and the room page\'s', async () => {
      const playing = await old.evaluate(() =>
        [...document.querySelectorAll('video')].filter((v) => v.readyState >= 2 && !v.paused && v.videoWidth > 0).length);
      return playing === 2 ? ok(true) : { ok: false, why: `${playing} playing` };
    }, 20000);
    const refused = await old.evaluate(() => window.refusals);
    if (refused.length) throw new Error(`S1: the server refused ${JSON.stringify(refused)}`);
    await closePage('S2', app);
    await closePage('S1', old);
  };
}


// The old page: Socket.IO from the server, PeerJS from the server's assets,
// `join-room(ROOM_ID, peerId)` once the peer is open. Unlike the tutorial it
// waits for the camera too (the tutorial's race, where a call can arrive
// before its handler exists, is not what this test is about).
//
// `peerPort`: PeerJS on its own port at path '/', as the original's
// `new Peer(undefined, { host: '/', port })`; else on the page's port under
// /peerjs. `transport: 'websocket'`: the raw-websocket rooms client instead
// of Socket.IO (socket.io.js still loads: it gives the client cookie).
function oldPageHtml(room, { transport, peerPort = null }) {
  const peerOptions = peerPort === null
    ? `{ host: location.hostname, port: location.port, path: '/peerjs' }`
    : `{ host: '/', port: '${peerPort}' }`;
  const socket = transport === 'socketio'
    ? `io('/')`
    : `new (await import('/original-lib/client.js')).WsClient(\`ws://\${location.host}/rooms?v=2\`)`;
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>original</title>
<script>const ROOM_ID = ${JSON.stringify(room)};</script>
<script src="/socket.io/socket.io.js"></script>
<script src="/assets/peerjs.min.js"></script>
</head><body><div id="video-grid"></div>
<script type="module">
window.joined = false;
window.refusals = [];
window.peerErrors = [];
const socket = ${socket};
const grid = document.getElementById('video-grid');
const peer = new Peer(undefined, ${peerOptions});
window.peerServer = \`\${peer.options.host}:\${peer.options.port}\`;
peer.on('error', (error) => window.peerErrors.push(\`\${error.type}: \${error.message}\`));
const calls = {};
function show(video, stream) {
  video.srcObject = stream;
  video.muted = true;
  video.addEventListener('loadedmetadata', () => video.play());
  grid.append(video);
}
navigator.mediaDevices.getUserMedia({ video: true, audio: true }).then((stream) => {
  show(document.createElement('video'), stream);
  peer.on('call', (call) => {
    call.answer(stream);
    const video = document.createElement('video');
    call.on('stream', (remote) => { if (!video.srcObject) show(video, remote); });
  });
  socket.on('user-connected', (userId) => {
    const call = peer.call(userId, stream);
    const video = document.createElement('video');
    call.on('stream', (remote) => { if (!video.srcObject) show(video, remote); });
    call.on('close', () => video.remove());
    calls[userId] = call;
  });
  ready.media = true;
  join();
});
peer.on('open', (id) => {
  ready.id = id;
  join();
});
// Once both the camera and the peer are ready (the page's media handlers
// exist before anyone can call): join-room(ROOM_ID, peerId).
const ready = { media: false, id: null };
let sent = false;
function join() {
  if (sent || !ready.media || !ready.id) return;
  sent = true;
  // The original emits without an acknowledgement; this page only adds one
  // to see a refusal, which the original would never notice.
  socket.emit('join-room', ROOM_ID, ready.id, (reply) => {
    if (reply && reply.ok === false) window.refusals.push(reply.error);
    else window.joined = true;
  });
}
socket.on('user-disconnected', (userId) => { if (calls[userId]) calls[userId].close(); });
</script></body></html>`;
}
