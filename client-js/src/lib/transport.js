// Picks the signaling transport named by the page configuration. Both return
// an object with the Socket.IO socket API the room script uses: on, emit (with
// an ack), connect, disconnect, connected.
import { roomsUrl } from './config.js';
import { WsClient } from './ws-client.js';

/**
 * @param {ReturnType<import('./config.js').parseConfig>} config
 * @param {{io?: Function, WebSocket?: Function, location: {protocol: string, host: string}}} env
 *   `io` is socket.io-client's global (window.io)
 */
export function openTransport(config, env) {
  if (config.transport === 'websocket') {
    return new WsClient(roomsUrl(config, env.location), { WebSocket: env.WebSocket });
  }
  if (typeof env.io !== 'function') {
    throw new Error('socket.io-client is not loaded (/assets/socket.io.min.js)');
  }
  return env.io({ path: config.socketPath });
}

/**
 * Cuts the connection as a network failure would, without telling the client
 * it was meant: the client reconnects by itself. For tests and debugging.
 */
export function dropTransport(socket) {
  if (socket instanceof WsClient) socket.ws?.close(4000, 'dropped');
  else socket.io?.engine?.close();
}
