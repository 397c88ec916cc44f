// The Node original, rebuilt as a benchmark yardstick (issue 10): Express + Socket.IO 4 + the
// `peer` PeerJS server on one port. Written from the seed's description; it keeps the original's
// behaviour on purpose (no validation, no acks), defects included. Never shipped.
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import express from 'express';
import { Server } from 'socket.io';
import { ExpressPeerServer } from 'peer';
import { WebSocketServer } from 'ws';

const port = Number(process.env.PORT ?? 3000);
const host = '127.0.0.1';

const app = express();
const server = http.createServer(app);

// The room page: a tiny stand-in for the tutorial's EJS view (`<%= roomId %>` HTML-escapes).
const escapeHtml = (s) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
const roomPage = (roomId) => `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Room ${escapeHtml(roomId)}</title>
<script>const ROOM_ID = "${escapeHtml(roomId)}"</script></head>
<body><div id="video-grid"></div></body></html>
`;

// The PeerJS server: the API under /peerjs (ids at /peerjs/peerjs/id), websocket /peerjs/peerjs.
// `peer` attaches a `ws` server to the whole HTTP server, and that answers every other upgrade
// (Socket.IO's /socket.io/ included) with 400. The tutorial ran it on its own port; to share one
// port we give `peer` a detached ws server and hand it only the upgrades on its own path.
let peerWss;
const createWebSocketServer = ({ path }) => (peerWss = new WebSocketServer({ path, noServer: true }));
app.use('/peerjs', ExpressPeerServer(server, { path: '/', createWebSocketServer }));
server.on('upgrade', (req, socket, head) => {
  if (new URL(req.url, 'http://x').pathname !== peerWss.options.path) return; // Socket.IO's
  peerWss.handleUpgrade(req, socket, head, (ws) => peerWss.emit('connection', ws, req));
});

app.get('/', (req, res) => res.redirect(`/${randomUUID()}`));
app.get('/:room', (req, res) => res.send(roomPage(req.params.room)));

// Socket.IO, namespace `/`: exactly the tutorial's two events.
const io = new Server(server);
io.on('connection', (socket) => {
  socket.on('join-room', (roomId, userId) => {
    socket.join(roomId);
    socket.to(roomId).emit('user-connected', userId);
    socket.on('disconnect', () => {
      socket.to(roomId).emit('user-disconnected', userId);
    });
  });
});

server.listen(port, host, () => {
  console.log(`listening on http://${host}:${server.address().port}`);
});

const stop = () => {
  io.close(); // closes the Socket.IO clients and the HTTP server
  server.closeAllConnections();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
