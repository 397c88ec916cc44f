// Socket.IO client driver for the Rust integration tests.
//
//   node client-js/tools/sio-driver.mjs
//
// Speaks JSON lines: one command per stdin line, one report per stdout line.
// Nothing else goes to stdout; diagnostics go to stderr. The protocol is
// documented in client-js/DEVELOPING.md ("Test driver").
//
// socket.io-client resolves from this file's folder (client-js/node_modules),
// whatever the working directory.
import { io } from 'socket.io-client';
import { createInterface } from 'node:readline';

const ACK_TIMEOUT_MS = 5000;
const EXIT_GRACE_MS = 500;

/** Client name -> Socket.IO socket. */
const clients = new Map();
/** Sockets whose network has been frozen: they can no longer close cleanly. */
const frozen = new WeakSet();
let exiting = false;

function report(message) {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

class CommandError extends Error {}

function client(name) {
  const socket = clients.get(name);
  if (!socket) throw new CommandError(`no client named ${JSON.stringify(name)}`);
  return socket;
}

function connect({ c, url, opts = {} }) {
  if (typeof url !== 'string') throw new CommandError('connect needs a string "url"');
  if (typeof opts !== 'object' || opts === null) throw new CommandError('"opts" must be an object');
  const previous = clients.get(c);
  // A name may be reused once its previous socket is gone for good.
  if (previous && (previous.connected || previous.active)) {
    throw new CommandError(`client ${JSON.stringify(c)} is still connected`);
  }
  const socket = io(url, { transports: ['websocket'], reconnection: false, forceNew: true, ...opts });
  socket.on('connect', () => report({ c, type: 'connect', id: socket.id }));
  socket.on('connect_error', (err) => report({ c, type: 'connect_error', message: err.message }));
  socket.on('disconnect', (reason) => report({ c, type: 'disconnect', reason }));
  socket.onAny((event, ...args) => report({ c, type: 'event', event, args }));
  clients.set(c, socket);
}

function emit({ c, event, args = [], ack, timeout = ACK_TIMEOUT_MS }) {
  const socket = client(c);
  if (typeof event !== 'string') throw new CommandError('emit needs a string "event"');
  if (!Array.isArray(args)) throw new CommandError('"args" must be an array');
  if (ack === undefined) {
    socket.emit(event, ...args);
    return;
  }
  if (typeof ack !== 'number') throw new CommandError('"ack" must be a number');
  if (typeof timeout !== 'number') throw new CommandError('"timeout" must be a number');
  socket.timeout(timeout).emit(event, ...args, (err, ...reply) => {
    report(err ? { c, type: 'ack_timeout', ack } : { c, type: 'ack', ack, args: reply });
  });
}

// Simulates a network that silently drops everything: the TCP connection stays
// open but this side neither reads nor writes, so the server can only find out
// through its own ping timeout.
function freeze({ c }) {
  const socket = client(c);
  const engine = socket.io.engine;
  const transport = engine?.transport;
  const ws = transport?.ws;
  if (!socket.connected || transport?.name !== 'websocket' || !ws?._socket) {
    throw new CommandError(`client ${JSON.stringify(c)} is not connected over a websocket`);
  }
  // Stop reading: ws.pause() also keeps ws itself from resuming the socket.
  ws.pause();
  // Stop writing, at every level: engine.io keeps packets buffered, the
  // transport drops any it is still handed, and the TCP socket holds the rest.
  engine.flush = () => {};
  transport.doWrite = () => {};
  ws._socket.cork();
  // Without pings arriving, engine.io-client would close the connection itself
  // once its own heartbeat timer expires; a dead network closes nothing.
  engine.clearTimeoutFn(engine._pingTimeoutTimer);
  engine._resetPingTimeout = () => {};
  engine._hasPingExpired = () => false;
  frozen.add(socket);
  report({ c, type: 'frozen' });
}

function close({ c }) {
  disconnect(client(c));
}

/** Disconnects `socket`; resolves once its engine.io connection is closed. */
function disconnect(socket) {
  const engine = socket.io.engine;
  const closed = new Promise((resolve) => {
    if (!engine || engine.readyState === 'closed') resolve();
    else engine.once('close', resolve);
  });
  socket.disconnect();
  // A frozen socket cannot send its close frame: drop the TCP connection instead.
  if (frozen.has(socket)) engine?.transport?.ws?.terminate();
  return closed;
}

async function exit() {
  if (exiting) return;
  exiting = true;
  const closing = [...clients.values()].map(disconnect);
  await Promise.race([Promise.all(closing), delay(EXIT_GRACE_MS)]);
  // Exit only once every report written so far has reached the pipe.
  process.stdout.write('', () => process.exit(0));
}

function delay(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

const COMMANDS = { connect, emit, freeze, close, exit };

function handle(line) {
  if (exiting || line.trim() === '') return;
  let command;
  try {
    command = JSON.parse(line);
  } catch (err) {
    report({ type: 'driver_error', message: `invalid JSON: ${err.message}` });
    return;
  }
  try {
    run(command);
  } catch (err) {
    if (!(err instanceof CommandError)) console.error(err);
    const c = typeof command?.c === 'string' ? { c: command.c } : {};
    report({ ...c, type: 'driver_error', message: err.message });
  }
}

function run(command) {
  if (typeof command !== 'object' || command === null || Array.isArray(command)) {
    throw new CommandError('a command must be a JSON object');
  }
  const handler = Object.hasOwn(COMMANDS, command.cmd) ? COMMANDS[command.cmd] : undefined;
  if (!handler) throw new CommandError(`unknown cmd ${JSON.stringify(command.cmd)}`);
  if (handler !== exit && typeof command.c !== 'string') {
    throw new CommandError(`${command.cmd} needs a string client name "c"`);
  }
  handler(command);
}

const input = createInterface({ input: process.stdin, crlfDelay: Infinity });
input.on('line', handle);
input.on('close', exit);
report({ type: 'ready' });
