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

export function originalPageScenario({ openPage, closePage, waitFor, ok }) {
  return async function originalPage(state) {
    const probe = await fetch(`${state.base}/socket.io/?EIO=4&transport=polling`);
    if (!(await probe.text()).startsWith('0{')) {
      console.log('  (no Socket.IO on this server: nothing to check)');
      return;
    }
    const room = crypto.randomUUID();
    const url = `${state.base}/original/${room}`;
    const html = oldPageHtml(room);
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

// The old page: Socket.IO from the server, PeerJS from the server's assets,
// `join-room(ROOM_ID, peerId)` once the peer is open. Unlike the tutorial it
// waits for the camera too (the tutorial's race, where a call can arrive
// before its handler exists, is not what this test is about).
function oldPageHtml(room) {
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>original</title>
<script>const ROOM_ID = ${JSON.stringify(room)};</script>
<script src="/socket.io/socket.io.js"></script>
<script src="/assets/peerjs.min.js"></script>
</head><body><div id="video-grid"></div>
<script>
window.joined = false;
window.refusals = [];
const socket = io('/');
const grid = document.getElementById('video-grid');
const peer = new Peer(undefined, { host: location.hostname, port: location.port, path: '/peerjs' });
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
