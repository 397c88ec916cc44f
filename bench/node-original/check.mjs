// Self-check for the Node original (`npm run check`): starts server.mjs on a free port and checks
// the room redirect, the room page, the Socket.IO join/leave events and the PeerJS id and
// websocket. Exits 0 on success, 1 with a message otherwise; always stops the server.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { io } from 'socket.io-client';
import WebSocket from 'ws';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const TIMEOUT_MS = 5000;

const server = spawn(process.execPath, ['server.mjs'], {
  cwd: import.meta.dirname,
  env: { ...process.env, PORT: '0' },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const clients = [];

function fail(message) {
  console.error(`check failed: ${message}`);
  finish(1);
}
function finish(code) {
  for (const c of clients) c.close();
  server.kill('SIGTERM');
  process.exit(code);
}
// Resolves with the first emission of `event` on `emitter`, or fails after TIMEOUT_MS.
function next(emitter, event, what) {
  return new Promise((resolve) => {
    const timer = setTimeout(() => fail(`timed out waiting for ${what}`), TIMEOUT_MS);
    emitter.once(event, (...args) => {
      clearTimeout(timer);
      resolve(args);
    });
  });
}
function expect(ok, message) {
  if (!ok) fail(message);
  else console.log(`ok  ${message}`);
}

server.on('exit', (code) => fail(`server exited early (code ${code})`));
const overall = setTimeout(() => fail('the whole check took too long'), 4 * TIMEOUT_MS);
overall.unref();

// 1. Wait for the "listening on" line and take the real port from it.
let out = '';
server.stdout.setEncoding('utf8');
const base = await new Promise((resolve) => {
  const timer = setTimeout(() => fail('server did not print "listening on"'), TIMEOUT_MS);
  server.stdout.on('data', (chunk) => {
    out += chunk;
    const m = out.match(/^listening on (http:\/\/127\.0\.0\.1:\d+)$/m);
    if (m) {
      clearTimeout(timer);
      resolve(m[1]);
    }
  });
});
console.log(`server: ${base}`);

// 2. HTTP: `/` redirects to a fresh room, the room page names its room, PeerJS hands out ids.
const home = await fetch(`${base}/`, { redirect: 'manual' });
const location = home.headers.get('location') ?? '';
expect(home.status === 302 && UUID_V4.test(location.slice(1)), `GET / -> 302 ${location}`);
const room = location.slice(1);
const page = await fetch(`${base}/${room}`);
expect(page.status === 200 && (await page.text()).includes(room), `GET /${room} -> 200, page has the room id`);
const idRes = await fetch(`${base}/peerjs/peerjs/id`);
const id = await idRes.text();
expect(idRes.status === 200 && UUID_V4.test(id), `GET /peerjs/peerjs/id -> 200 ${JSON.stringify(id)}`);

// 3. Socket.IO: websocket transport only, so this also proves the PeerJS websocket server does
//    not refuse Socket.IO's upgrades on the shared port.
const connect = async (name) => {
  const socket = io(base, { transports: ['websocket'], reconnection: false });
  clients.push(socket);
  socket.once('connect_error', (e) => fail(`${name}: Socket.IO connect_error: ${e.message}`));
  await next(socket, 'connect', `${name} to connect`);
  return socket;
};
const a = await connect('client A');
const b = await connect('client B');
const heardJoin = next(a, 'user-connected', 'user-connected at A');
a.emit('join-room', room, 'peer-a');
// There are no acks: give A's join a moment to be processed before B's.
await new Promise((r) => setTimeout(r, 200));
b.emit('join-room', room, 'peer-b');
const [joined] = await heardJoin;
expect(joined === 'peer-b', `A heard user-connected(${JSON.stringify(joined)})`);
const heardLeave = next(a, 'user-disconnected', 'user-disconnected at A');
b.disconnect();
const [left] = await heardLeave;
expect(left === 'peer-b', `A heard user-disconnected(${JSON.stringify(left)}) after B disconnected`);

// 4. PeerJS websocket: registering an id gets OPEN.
const ws = new WebSocket(`${base.replace('http', 'ws')}/peerjs/peerjs?key=peerjs&id=x&token=t`);
clients.push(ws);
ws.on('error', (e) => fail(`PeerJS websocket: ${e.message}`));
const [frame] = await next(ws, 'message', 'the PeerJS OPEN frame');
expect(String(frame) === '{"type":"OPEN"}', `PeerJS websocket -> ${frame}`);

// 5. Stop the server with SIGTERM and expect a clean exit.
server.removeAllListeners('exit');
const exited = next(server, 'exit', 'the server to exit on SIGTERM');
server.kill('SIGTERM');
const [code] = await exited;
expect(code === 0, `server exited with code ${code} on SIGTERM`);
console.log('all checks passed');
finish(0);
