// Checks of the PeerJS websocket with the npm `ws` client, for what a
// browser cannot send: a message in fragments.

import WebSocket from 'ws';

// A PeerJS message over the server's limit, sent in three 100 KB fragments
// (what `ws` does with `fin: false`): the server refuses it with close code
// 1009, and the client reads that code. Dropping the socket while the client
// was still writing would reset it, and the client would see 1006 instead.
export async function oversizedFragmentedMessage(state) {
  const url = new URL(`${state.base}/peerjs/peerjs`);
  url.protocol = url.protocol.replace('http', 'ws');
  url.search = `key=peerjs&id=fragments-${crypto.randomUUID()}&token=t`;
  const code = await new Promise((resolve, reject) => {
    const ws = new WebSocket(url.href);
    const timer = setTimeout(() => reject(new Error('no close within 10 s')), 10000);
    ws.on('message', (data) => {
      if (!String(data).includes('"OPEN"')) return;
      const piece = Buffer.alloc(100 * 1024, 32);
      for (let i = 0; i < 3; i++) ws.send(piece, { binary: false, fin: i === 2 });
    });
    ws.on('error', () => {}); // the close event says how it ended
    ws.on('close', (closeCode) => {
      clearTimeout(timer);
      resolve(closeCode);
    });
  });
  if (code !== 1009) throw new Error(`closed with ${code}, not 1009`);
}
