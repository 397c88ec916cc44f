// Measures the CPU one room page uses in a full mesh of N participants, in
// headless Chromium with the fake camera and microphone.
//
//   node tools/room-cpu.mjs --server "../target/release/lingua-connect --addr 127.0.0.1:0" \
//     [--sizes 4,8,12] [--seconds 20] [--chromium /usr/bin/chromium]
//
// For each size N: one Chromium holds the measured page alone, a second one
// the N-1 others, all in one new room. Once the measured page plays every
// video, the CPU time of each process of its Chromium (browser, renderer,
// GPU, utility: network and audio) is read twice, `--seconds` apart, with
// the DevTools protocol (SystemInfo.getProcessInfo). The figures are in
// percent of one core. The page's outgoing video is reported too: Chromium
// lowers resolution and frame rate when the CPU cannot keep up
// (`qualityLimitationReason: "cpu"`), which is the first sign of a room too
// large for the machine.
import { spawn } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';

const { values: args } = parseArgs({
  options: {
    server: { type: 'string' },
    sizes: { type: 'string', default: '4,8,12' },
    seconds: { type: 'string', default: '20' },
    chromium: { type: 'string', default: '/usr/bin/chromium' },
  },
});
if (!args.server) {
  console.error('usage: node tools/room-cpu.mjs --server "<command printing listening on http://…>"');
  process.exit(2);
}
const FLAGS = [
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
  '--disable-features=WebRtcHideLocalIpsWithMdns',
  '--allow-loopback-in-peer-connection',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
];
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const seconds = Number(args.seconds);

const server = spawn(args.server, { shell: true, detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
try {
  const base = await listening(server);
  console.log(`server ${base}; ${cpus().length} cores (${cpus()[0]?.model ?? '?'}); load before: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log('| participants | renderer | browser | GPU + utility | page total | sent video (per peer) | limited by |');
  console.log('| ---: | ---: | ---: | ---: | ---: | --- | --- |');
  for (const size of args.sizes.split(',').map(Number)) console.log(await measure(base, size));
  console.log(`load after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
} finally {
  process.kill(-server.pid, 'SIGTERM');
}

async function measure(base, size) {
  const measured = await chromium.launch({ executablePath: args.chromium, headless: true, args: FLAGS });
  const others = await chromium.launch({ executablePath: args.chromium, headless: true, args: FLAGS });
  try {
    const page = await newPage(measured);
    await page.goto(`${base}/`);
    await joined(page);
    for (let i = 1; i < size; i += 1) {
      const other = await newPage(others);
      await other.goto(page.url());
      await joined(other);
    }
    console.error(`${size}: all joined; waiting for ${size} playing videos`);
    const shown = await playing(page, size);
    await sleep(10000); // let bandwidth estimation and encoders settle
    const cdp = await measured.newBrowserCDPSession();
    const before = await cdp.send('SystemInfo.getProcessInfo');
    await sleep(seconds * 1000);
    const after = await cdp.send('SystemInfo.getProcessInfo');
    const cpu = usage(before.processInfo, after.processInfo, seconds);
    const sent = await outgoing(page);
    const pct = (v) => `${Math.round(v * 100)} %`;
    const plays = shown === size ? `${size}` : `${size} (${shown} playing)`;
    return `| ${plays} | ${pct(cpu.renderer)} | ${pct(cpu.browser)} | ${pct(cpu.other)} | ${pct(cpu.total)} | ${sent.video} | ${sent.limited} |`;
  } finally {
    await measured.close();
    await others.close();
  }
}

async function newPage(browser) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 }, permissions: ['camera', 'microphone'] });
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

/** The measured page's outgoing video: median size and frame rate over its calls, and why limited. */
async function outgoing(page) {
  const stats = await page.evaluate(async () => {
    const room = window.linguaRoom;
    const out = [];
    for (const peerId of room.tiles.peers()) {
      const pc = room.tiles.callOf(peerId)?.peerConnection;
      if (!pc) continue;
      for (const s of (await pc.getStats()).values()) {
        if (s.type === 'outbound-rtp' && s.kind === 'video') out.push({ w: s.frameWidth, h: s.frameHeight, fps: s.framesPerSecond, why: s.qualityLimitationReason });
      }
    }
    return out;
  });
  if (stats.length === 0) return { video: 'none', limited: '-' };
  const mid = stats.sort((a, b) => (a.w ?? 0) - (b.w ?? 0))[Math.floor(stats.length / 2)];
  const reasons = [...new Set(stats.map((s) => s.why))].join(', ');
  return { video: `${mid.w}x${mid.h} at ${Math.round(mid.fps ?? 0)} fps`, limited: reasons };
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
