// Browser entry for dist/peerjs.min.js: the same globals as the official
// peerjs.js build, so pages written for it keep working.
import * as peerjs from 'peerjs';

window.Peer = peerjs.Peer;
window.peerjs = peerjs;
