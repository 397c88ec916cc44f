// The Chromium command-line flags of every browser test and tool here: the
// fake camera and microphone, allowed without a prompt, and WebRTC between
// pages of one machine, without internet.

export const CHROMIUM_ARGS = [
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
  // Host candidates as plain loopback addresses, not mDNS names nobody
  // resolves here. (LocalNetworkAccessChecks: the page written for the Node
  // original is handed to the browser by playwright, which leaves it no
  // address space.)
  '--disable-features=WebRtcHideLocalIpsWithMdns,LocalNetworkAccessChecks',
  '--allow-loopback-in-peer-connection',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // No --user-data-dir: playwright-core refuses it in launch() and always
  // starts Chromium with a fresh temporary profile of its own.
];
