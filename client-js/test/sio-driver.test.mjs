// Runs tools/sio-driver.mjs against a real Socket.IO server holding the classic
// tutorial's room logic, the way the Rust integration tests will use it.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { createInterface } from 'node:readline';
import { after, afterEach, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Server } from 'socket.io';

const DRIVER = fileURLToPath(new URL('../tools/sio-driver.mjs', import.meta.url));
const WAIT_MS = 3000;

/**
 * A tutorial-style room server. `reasons` collects server-side disconnect
 * reasons, `heard` the name of every event received.
 */
async function startServer() {
  const http = createServer();
  const io = new Server(http, { pingInterval: 300, pingTimeout: 300 });
  const reasons = [];
  const heard = [];
  io.on('connection', (socket) => {
    socket.onAny((event) => heard.push(event));
    socket.on('join-room', (roomId, userId, ack) => {
      socket.join(roomId);
      socket.to(roomId).emit('user-connected', userId);
      socket.on('disconnect', () => socket.to(roomId).emit('user-disconnected', userId));
      if (typeof ack === 'function') ack('joined');
    });
    socket.on('echo', (...args) => args.pop()(...args));
    socket.on('disconnect', (reason) => reasons.push(reason));
  });
  await new Promise((resolve) => http.listen(0, '127.0.0.1', resolve));
  return { io, reasons, heard, url: `http://127.0.0.1:${http.address().port}` };
}

/** Drivers still running; killed after each test so that a failure cannot hang the run. */
const running = new Set();

/** The driver as a child process, started from an unrelated working directory. */
class Driver {
  constructor() {
    this.child = spawn(process.execPath, [DRIVER], { cwd: tmpdir(), stdio: ['pipe', 'pipe', 'inherit'] });
    running.add(this.child);
    this.child.on('exit', () => running.delete(this.child));
    this.reports = [];
    this.waiters = [];
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      const report = JSON.parse(line); // anything but JSON on stdout fails the test
      this.reports.push(report);
      for (const waiter of [...this.waiters]) waiter(report);
    });
  }

  send(command) {
    this.child.stdin.write(`${typeof command === 'string' ? command : JSON.stringify(command)}\n`);
  }

  /** The first report, already received or still to come, that matches `expected`. */
  next(expected, ms = WAIT_MS) {
    const matches = (report) => Object.entries(expected).every(([k, v]) => report[k] === v);
    const seen = this.reports.find(matches);
    if (seen) {
      this.reports.splice(this.reports.indexOf(seen), 1);
      return Promise.resolve(seen);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`no report matching ${JSON.stringify(expected)} within ${ms} ms`));
      }, ms);
      const waiter = (report) => {
        if (!matches(report)) return;
        clearTimeout(timer);
        this.reports.splice(this.reports.indexOf(report), 1);
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(report);
      };
      this.waiters.push(waiter);
    });
  }

  async connect(c, url) {
    this.send({ cmd: 'connect', c, url });
    return (await this.next({ c, type: 'connect' })).id;
  }

  async join(c, room, user) {
    this.send({ cmd: 'emit', c, event: 'join-room', args: [room, user], ack: 0 });
    await this.next({ c, type: 'ack', ack: 0 });
  }

  async exit() {
    this.send({ cmd: 'exit' });
    return this.exited;
  }
}

let server;
before(async () => {
  server = await startServer();
});
afterEach(() => {
  for (const child of running) child.kill();
});
after(() => server.io.close());

test('the driver announces itself, then reports connections', async () => {
  const driver = new Driver();
  await driver.next({ type: 'ready' });
  const id = await driver.connect('a', server.url);
  assert.match(id, /^\S+$/);
  assert.equal(await driver.exit(), 0);
});

test('the first joiner sees user-connected with the second joiner id', async () => {
  const driver = new Driver();
  await driver.connect('a', server.url);
  await driver.connect('b', server.url);
  await driver.join('a', 'room-1', 'user-a');
  await driver.join('b', 'room-1', 'user-b');
  const seen = await driver.next({ c: 'a', type: 'event', event: 'user-connected' });
  assert.deepEqual(seen.args, ['user-b']);
  assert.equal(await driver.exit(), 0);
  assert.ok(!driver.reports.some((r) => r.c === 'b' && r.event === 'user-connected'));
});

test('acks carry arbitrary JSON both ways, and time out when unanswered', async () => {
  const driver = new Driver();
  await driver.connect('a', server.url);
  const args = [1, 'two', null, { three: [3, true] }];
  driver.send({ cmd: 'emit', c: 'a', event: 'echo', args, ack: 7 });
  assert.deepEqual((await driver.next({ c: 'a', type: 'ack', ack: 7 })).args, args);
  driver.send({ cmd: 'emit', c: 'a', event: 'nobody-answers', args: [], ack: 8, timeout: 200 });
  await driver.next({ c: 'a', type: 'ack_timeout', ack: 8 });
  assert.equal(await driver.exit(), 0);
});

test('closing a client tells the others user-disconnected', async () => {
  const driver = new Driver();
  await driver.connect('a', server.url);
  await driver.connect('b', server.url);
  await driver.join('a', 'room-2', 'user-a');
  await driver.join('b', 'room-2', 'user-b');
  driver.send({ cmd: 'close', c: 'b' });
  const own = await driver.next({ c: 'b', type: 'disconnect' });
  assert.equal(own.reason, 'io client disconnect');
  const seen = await driver.next({ c: 'a', type: 'event', event: 'user-disconnected' });
  assert.deepEqual(seen.args, ['user-b']);
  assert.equal(await driver.exit(), 0);
});

test('a frozen client is dropped by the server ping timeout alone', async () => {
  const driver = new Driver();
  await driver.connect('a', server.url);
  await driver.connect('b', server.url);
  await driver.join('a', 'room-3', 'user-a');
  await driver.join('b', 'room-3', 'user-b');
  const before = server.reasons.length;
  driver.send({ cmd: 'freeze', c: 'b' });
  await driver.next({ c: 'b', type: 'frozen' });
  driver.send({ cmd: 'emit', c: 'b', event: 'lost-in-transit', args: [] });
  const seen = await driver.next({ c: 'a', type: 'event', event: 'user-disconnected' }, 2000);
  assert.deepEqual(seen.args, ['user-b']);
  assert.deepEqual(server.reasons.slice(before), ['ping timeout']);
  // The frozen side notices nothing, even after its own heartbeat would have expired.
  await new Promise((resolve) => setTimeout(resolve, 700));
  assert.ok(!driver.reports.some((r) => r.c === 'b' && r.type === 'disconnect'));
  assert.ok(!server.heard.includes('lost-in-transit'));
  driver.send({ cmd: 'close', c: 'b' });
  assert.equal((await driver.next({ c: 'b', type: 'disconnect' })).reason, 'io client disconnect');
  assert.equal(await driver.exit(), 0);
});

test('bad commands get driver_error and the driver keeps going', async () => {
  const driver = new Driver();
  await driver.next({ type: 'ready' });
  driver.send('not json');
  driver.send({ cmd: 'dance', c: 'a' });
  driver.send({ cmd: 'emit', c: 'ghost', event: 'x', args: [] });
  driver.send({ cmd: 'connect', url: server.url });
  const errors = [];
  for (let i = 0; i < 4; i++) errors.push(await driver.next({ type: 'driver_error' }));
  assert.match(errors[0].message, /invalid JSON/);
  assert.match(errors[1].message, /unknown cmd "dance"/);
  assert.match(errors[2].message, /no client named "ghost"/);
  assert.equal(errors[2].c, 'ghost');
  assert.match(errors[3].message, /"c"/);
  await driver.connect('a', server.url);
  assert.equal(await driver.exit(), 0);
});

test('the driver exits cleanly when its stdin ends', async () => {
  const driver = new Driver();
  await driver.connect('a', server.url);
  driver.child.stdin.end();
  assert.equal(await driver.exited, 0);
  assert.deepEqual(await driver.next({ c: 'a', type: 'disconnect' }).then((r) => r.reason), 'io client disconnect');
});

test('a failed connection is reported as connect_error', async () => {
  const driver = new Driver();
  driver.send({ cmd: 'connect', c: 'a', url: 'http://127.0.0.1:1' });
  const report = await driver.next({ c: 'a', type: 'connect_error' });
  assert.equal(typeof report.message, 'string');
  assert.equal(await driver.exit(), 0);
});
