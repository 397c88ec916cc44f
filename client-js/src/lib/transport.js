// The signaling transports seen from a test: both (Socket.IO, or the raw
// websocket client with the same API) are opened by RoomClient (client/options.js).
import { WsClient } from './ws-client.js';

/**
 * Cuts the connection as a network failure would, without telling the client
 * it was meant: the client reconnects by itself. For tests and debugging.
 */
export function dropTransport(socket) {
  if (socket instanceof WsClient) socket.ws?.close(4000, 'dropped');
  else socket.io?.engine?.close();
}
