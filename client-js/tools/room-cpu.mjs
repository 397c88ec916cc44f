// Measures the CPU one room page uses in a full mesh of N participants, in
// headless Chromium with the fake camera and microphone.
//
//   node tools/room-cpu.mjs --server "../target/release/lingua-connect --addr 127.0.0.1:0" \
//     [--sizes 4,8,12] [--seconds 20] [--others-video 160x90@10] [--pin 1/0,1] \
//     [--chromium /usr/bin/chromium]
//
// For each size N: one Chromium holds the measured room page alone, a second
// one the N-1 others, all in one new room. Once the measured page plays every
// video, the CPU time of each process of its Chromium (browser, renderer,
// GPU, utility: network and audio) is read twice, `--seconds` apart, with
// the DevTools protocol (SystemInfo.getProcessInfo). The figures are in
// percent of one core. The page's outgoing and incoming video are reported
// too: Chromium lowers resolution and frame rate when the CPU cannot keep up,
// which is the first sign of a room too large for the machine.
//
// The others are not room pages: N-1 full pages would cost N-1 times the
// measured one, and on a small machine all N starve each other (the figures
// then say nothing). They are light participants in one page (see
// joinOthers): Socket.IO and PeerJS as the Node original's page, so the
// server must speak Socket.IO (lingua-connect). They call the measured page
// (which joins last) and answer it, and nobody else, so the measured page
// does a full mesh's work (N-1 encodings, N-1 decodings) and each other one
// encoding and one decoding. Two options take them further off its CPU:
//
//   --others-video WxH@FPS  the others' camera is a small clip (e.g.
//                           160x90@10) instead of Chromium's 640x480 one:
//                           the measured page still sends 640x480 to each,
//                           and decodes small pictures (the "received" column).
//   --pin M/O               run the measured Chromium on CPUs M, the server
//                           and the others on CPUs O (taskset lists, e.g.
//                           1/0,1), the others at the lowest priority (nice
//                           19): they get what the measured page leaves.
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS } from '../e2e/chromium.mjs';
import { movingBar } from './y4m.mjs';

const { values: args } = parseArgs({
  options: {
    server: { type: 'string' },
    sizes: { type: 'string', default: '4,8,12' },
    seconds: { type: 'string', default: '20' },
    chromium: { type: 'string', default: '/usr/bin/chromium' },
    'others-video': { type: 'string' },
    pin: { type: 'string' },
  },
});
if (!args.server) {
  console.error('usage: node tools/room-cpu.mjs --server "<command printing listening on http://…>"');
  process.exit(2);
}
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const seconds = Number(args.seconds);
const scratch = mkdtempSync(join(tmpdir(), 'room-cpu-'));
const pin = parsePin(args.pin);
const othersFlags = [...CHROMIUM_ARGS, ...othersVideoFlags(args['others-video'])];
const measuredExe = pinned(args.chromium, pin?.measured, 'measured');
const othersExe = pinned(args.chromium, pin?.others, 'others');

const server = spawn(pin ? `taskset -c ${pin.others} ${args.server}` : args.server, { shell: true, detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
try {
  const base = await listening(server);
  console.log(`server ${base}; ${cpus().length} cores (${cpus()[0]?.model ?? '?'}); load before: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`others' camera: ${args['others-video'] ?? "Chromium's fake 640x480"}; CPUs: ${pin ? `measured page ${pin.measured}, server and others ${pin.others}` : 'shared'}`);
  console.log('| participants | renderer | browser | GPU + utility | page total | sent video (per peer) | limited by | received video |');
  console.log('| ---: | ---: | ---: | ---: | ---: | --- | --- | --- |');
  for (const size of args.sizes.split(',').map(Number)) console.log(await measure(base, size));
  console.log(`load after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
} finally {
  process.kill(-server.pid, 'SIGTERM');
  rmSync(scratch, { recursive: true, force: true });
}

/** `--pin M/O`: taskset CPU lists for the measured page and for the rest. */
function parsePin(text) {
  if (!text) return null;
  const match = /^([0-9,-]+)\/([0-9,-]+)$/.exec(text);
  if (!match) {
    console.error('--pin takes two taskset CPU lists, measured/others, e.g. 1/0');
    process.exit(2);
  }
  return { measured: match[1], others: match[2] };
}

/** Chromium flags giving the others a clip of `WxH@FPS` as their camera. */
function othersVideoFlags(text) {
  if (!text) return [];
  const match = /^(\d+)x(\d+)@(\d+)$/.exec(text);
  if (!match || Number(match[1]) % 2 || Number(match[2]) % 2) {
    console.error('--others-video takes WxH@FPS with an even width and height, e.g. 160x90@10');
    process.exit(2);
  }
  const file = join(scratch, 'others.y4m');
  writeFileSync(file, movingBar(Number(match[1]), Number(match[2]), Number(match[3])));
  return [`--use-file-for-fake-video-capture=${file}`];
}

/** A Chromium executable that runs on `cpus` (a taskset wrapper), or Chromium itself. */
function pinned(exe, cpuList, name) {
  if (!cpuList) return exe;
  const wrapper = join(scratch, `chromium-${name}`);
  const nice = name === 'others' ? 'nice -n 19 ' : '';
  writeFileSync(wrapper, `#!/bin/sh\nexec ${nice}taskset -c ${cpuList} ${exe} "$@"\n`);
  chmodSync(wrapper, 0o755);
  return wrapper;
}

async function measure(base, size) {
  const measured = await chromium.launch({ executablePath: measuredExe, headless: true, args: CHROMIUM_ARGS });
  const others = await chromium.launch({ executablePath: othersExe, headless: true, args: othersFlags });
  try {
    const page = await newPage(measured, { width: 1280, height: 720 });
    await page.goto(`${base}/`); // a new room, on its pre-join screen
    const roomId = new URL(page.url()).pathname.slice(1);
    const crowd = await newPage(others, { width: 320, height: 240 });
    await joinOthers(crowd, base, roomId, size - 1);
    await joined(page); // last, so that the others call it (and not each other)
    console.error(`${size}: all joined; waiting for ${size} playing videos`);
    const shown = await playing(page, size);
    await sleep(10000); // let bandwidth estimation and encoders settle
    const cdp = await measured.newBrowserCDPSession();
    const before = await cdp.send('SystemInfo.getProcessInfo');
    await sleep(seconds * 1000);
    const after = await cdp.send('SystemInfo.getProcessInfo');
    const cpu = usage(before.processInfo, after.processInfo, seconds);
    const { sent, received } = await videoStats(page);
    const pct = (v) => `${Math.round(v * 100)} %`;
    const plays = shown === size ? `${size}` : `${size} (${shown} playing)`;
    return `| ${plays} | ${pct(cpu.renderer)} | ${pct(cpu.browser)} | ${pct(cpu.other)} | ${pct(cpu.total)} | ${sent.video} | ${sent.limited} | ${received} |`;
  } finally {
    await measured.close();
    await others.close();
  }
}

/**
 * The N-1 others, as light participants in one page: each one its own
 * Socket.IO connection and PeerJS peer (proven by its PeerJS token, as the
 * room page does), all sending one camera stream and drawing nothing. Unlike
 * room pages they call only who joins after them (the measured page) and
 * answer any call, so they carry no mesh among themselves: what they cost is
 * one encoding and one decoding each, and the measured page still has a full
 * mesh's work. The page is one of the app's assets, for its origin.
 */
async function joinOthers(page, base, roomId, count) {
  await page.goto(`${base}/assets/peerjs.min.js`);
  await page.addScriptTag({ url: '/assets/peerjs.min.js' });
  await page.addScriptTag({ url: '/assets/socket.io.min.js' });
  await page.evaluate(
    async ({ roomId, count }) => {
      const stream = await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
      const ours = new Set();
      const join = (n) =>
        new Promise((resolve, reject) => {
          const token = crypto.randomUUID();
          const port = Number(location.port) || 80;
          const peer = new window.Peer({ host: location.hostname, port, path: '/peerjs', secure: false, token, config: { iceServers: [] } });
          const metadata = { name: `Other ${n}` };
          peer.on('error', (err) => reject(new Error(`other ${n}: PeerJS ${err.type}`)));
          peer.on('call', (call) => call.answer(stream));
          peer.on('open', (id) => {
            ours.add(id);
            const socket = window.io(location.origin, { auth: { peerToken: token } });
            socket.on('user-connected', (userId) => {
              if (!ours.has(userId)) peer.call(userId, stream, { metadata });
            });
            socket.emit('join-room', roomId, id);
            socket.once('connect', resolve);
          });
        });
      for (let n = 1; n <= count; n += 1) await join(n);
    },
    { roomId, count },
  );
}

async function newPage(browser, viewport) {
  const context = await browser.newContext({ viewport, permissions: ['camera', 'microphone'] });
  const page = await context.newPage();
  page.setDefaultTimeout(120000); // a loaded machine is what this measures
  return page;
}

async function joined(page) {
  // The room page starts on its pre-join screen: Join once it is offered.
  await page.getByTestId('join').click({ timeout: 120000 });
  await page.waitForFunction(() => window.linguaRoom?.joined === true, null, { timeout: 120000 });
}

/**
 * Waits (at most 3 minutes) until the page plays `count` videos; returns how
 * many play. A machine too busy to start them all is measured anyway, and the
 * table says how many played.
 */
async function playing(page, count) {
  const plays = () => page.evaluate(() => [...document.querySelectorAll('#video-grid video')].filter((v) => v.videoWidth > 0 && !v.paused).length);
  const end = Date.now() + 180000;
  while ((await plays()) < count && Date.now() < end) await sleep(1000);
  return plays();
}

/** CPU cores used per process type between two SystemInfo.getProcessInfo answers. */
function usage(before, after, secs) {
  const start = new Map(before.map((p) => [p.id, p.cpuTime]));
  const sum = { renderer: 0, browser: 0, other: 0, total: 0 };
  for (const p of after) {
    const used = (p.cpuTime - (start.get(p.id) ?? 0)) / secs;
    const kind = p.type === 'renderer' || p.type === 'browser' ? p.type : 'other';
    sum[kind] += used;
    sum.total += used;
  }
  return sum;
}

/**
 * The measured page's video over its calls: the median outgoing size and
 * frame rate and why WebRTC limits it, and the median incoming one.
 */
async function videoStats(page) {
  const stats = await page.evaluate(async () => {
    const room = window.linguaRoom;
    const out = [];
    const into = [];
    for (const peerId of room.tiles.peers()) {
      const pc = room.tiles.callOf(peerId)?.peerConnection;
      if (!pc) continue;
      for (const s of (await pc.getStats()).values()) {
        if (s.kind !== 'video') continue;
        const entry = { w: s.frameWidth, h: s.frameHeight, fps: s.framesPerSecond, why: s.qualityLimitationReason };
        if (s.type === 'outbound-rtp') out.push(entry);
        if (s.type === 'inbound-rtp') into.push(entry);
      }
    }
    return { out, into };
  });
  const median = (list) => list.sort((a, b) => (a.w ?? 0) - (b.w ?? 0))[Math.floor(list.length / 2)];
  const text = (e) => `${e.w}x${e.h} at ${Math.round(e.fps ?? 0)} fps`;
  const sent = stats.out.length === 0
    ? { video: 'none', limited: '-' }
    : { video: text(median(stats.out)), limited: [...new Set(stats.out.map((s) => s.why))].join(', ') };
  return { sent, received: stats.into.length === 0 ? 'none' : text(median(stats.into)) };
}

function listening(child) {
  return new Promise((resolve, reject) => {
    let buffer = '';
    child.stdout.on('data', (chunk) => {
      buffer += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(buffer);
      if (match) resolve(match[1].replace(/\/$/, ''));
    });
    child.on('exit', (code) => reject(new Error(`server exited (${code}) before listening`)));
  });
}
