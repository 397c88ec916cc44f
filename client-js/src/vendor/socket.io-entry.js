// Browser entry for dist/socket.io.min.js: the same `io` global as the official
// socket.io.js build (a function that also carries Manager, Socket, io, connect),
// so a page loading /socket.io/socket.io.js keeps working.
import io from 'socket.io-client';

window.io = io;
