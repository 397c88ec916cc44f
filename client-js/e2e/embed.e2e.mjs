// End-to-end test of the embed examples' own page (`/call`), which uses the
// package's ES module bundle, against a real server binary in Debian's
// Chromium (fake camera and microphone).
//
//   node e2e/embed.e2e.mjs --server "../target/debug/embed-axum --addr 127.0.0.1:0"
//   node e2e/embed.e2e.mjs --server "../target/debug/embed-warp --addr 127.0.0.1:0"
//
// The server prints `listening on http://…`. Two pages join one room: each
// plays the other's video and lists the other by name; one leaves: the other
// drops its video and its name. Then the same command with `--secret S`
// appended: pages with `?token=S` play each other, a page with a wrong token
// says it could not join (`unauthorized`). Screenshot:
// e2e/artifacts/embed-<binary>.png; exit status 0 when every check passed.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS } from './chromium.mjs';

const artifacts = join(dirname(fileURLToPath(import.meta.url)), 'artifacts');
const { values: args } = parseArgs({
  options: { server: { type: 'string' }, chromium: { type: 'string', default: '/usr/bin/chromium' } },
});
if (!args.server) {
  console.error('usage: node e2e/embed.e2e.mjs --server "<command>"');
  process.exit(2);
}
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const servers = [];
let browser;
try {
  browser = await chromium.launch({ executablePath: args.chromium, headless: true, args: CHROMIUM_ARGS });
  const base = await start(args.server);
  const room = `e2e-${randomUUID()}`;
  const ada = await open(`${base}/call?room=${room}&name=Ada`);
  const bob = await open(`${base}/call?room=${room}&name=Bob`);
  await waitFor('Ada plays one video and lists Bob', () => sees(ada, ['Bob']));
  await waitFor('Bob plays one video and lists Ada', () => sees(bob, ['Ada']));
  mkdirSync(artifacts, { recursive: true });
  await ada.screenshot({ path: join(artifacts, `embed-${basename(args.server.split(' ')[0])}.png`) });
  console.log("ok - two pages join; each plays the other's video and lists the other by name");
  await bob.context().close();
  await waitFor('Ada drops Bob within 5 s', () => sees(ada, []), 5000);
  console.log('ok - a page leaves: the other drops its video and its name');

  const guarded = await start(`${args.server} --secret e2e-s3cret`);
  const carol = await open(`${guarded}/call?room=${room}&name=Carol&token=e2e-s3cret`);
  const dan = await open(`${guarded}/call?room=${room}&name=Dan&token=e2e-s3cret`);
  const eve = await open(`${guarded}/call?room=${room}&name=Eve&token=guess`);
  await waitFor('Carol plays Dan', () => sees(carol, ['Dan']));
  await waitFor('Dan plays Carol', () => sees(dan, ['Carol']));
  await waitFor('Eve is told she cannot join', async () => {
    const status = await eve.locator('#status').textContent();
    return { ok: /^Could not join: .*\(unauthorized\)$/.test(status), why: status };
  });
  console.log('ok - with a secret: pages with the token play each other, a wrong token cannot join');
} catch (err) {
  console.error(`not ok - ${err.message}`);
  process.exitCode = 1;
} finally {
  await browser?.close();
  for (const server of servers) process.kill(-server.pid, 'SIGTERM');
}

async function start(command) {
  const server = spawn(command, { shell: true, detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
  servers.push(server);
  return listening(server);
}

async function open(url) {
  const context = await browser.newContext({ permissions: ['camera', 'microphone'] });
  const page = await context.newPage();
  page.on('pageerror', (err) => console.error(`[page] ${err.message}`));
  await page.goto(url);
  return page;
}

/** The page plays one video per name (frames advancing) and lists exactly `names`. */
async function sees(page, names) {
  const state = () =>
    page.evaluate(() => ({
      videos: [...document.querySelectorAll('#videos video')].map((v) => ({ width: v.videoWidth, time: v.currentTime })),
      members: [...document.querySelectorAll('#members li')].map((li) => li.textContent).sort(),
      status: document.getElementById('status').textContent,
    }));
  const before = await state();
  await sleep(400);
  const after = await state();
  const playing = after.videos.filter((v, i) => v.width > 0 && before.videos[i] && v.time > before.videos[i].time);
  const good = after.videos.length === names.length && playing.length === names.length;
  const listed = JSON.stringify(after.members) === JSON.stringify([...names].sort());
  return { ok: good && listed, why: JSON.stringify(after) };
}

async function waitFor(label, probe, timeout = 20000) {
  const start = Date.now();
  for (;;) {
    const result = await probe();
    if (result.ok) return;
    if (Date.now() - start > timeout) throw new Error(`${label}: not within ${timeout / 1000} s (last: ${result.why})`);
    await sleep(200);
  }
}

function listening(child) {
  return new Promise((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => reject(new Error('the server printed no "listening on" line within 60 s')), 60000);
    child.stdout.on('data', (chunk) => {
      const match = /listening on (http:\/\/\S+)/.exec((buffer += chunk));
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.on('exit', (code) => reject(new Error(`the server exited (${code}) before listening`)));
  });
}
