// A consumer of the package's declarations, type-checked by `npm run
// typecheck` (never run). It uses the API as a page would; each
// `@ts-expect-error` is a misuse the declarations must refuse, so loose
// declarations (`any`) fail the check as surely as wrong ones.
import { ConfigError, RoomClient, type JoinResult, type MediaState, type RoomError, type RoomState, type TileView } from 'lingua-signal-client';
import { RoomClient as CoreRoomClient, validateConfig } from 'lingua-signal-client/core';

declare const camera: MediaStream;
declare const grid: HTMLElement;

export async function embed(): Promise<string[]> {
  const room = new RoomClient({
    roomId: 'standup',
    url: 'https://example.com',
    transport: 'websocket',
    roomsPath: '/rtc/rooms',
    peer: { path: '/rtc/peerjs' },
    stream: camera,
    name: 'Ada',
    auth: { token: 's3cret' },
  });
  const stop = room.on('stream', (peerId: string, stream: MediaStream) => {
    const video = document.createElement('video');
    video.dataset.peer = peerId;
    video.srcObject = stream;
    grid.append(video);
  });
  room.on('stream-removed', (peerId) => grid.querySelector(`[data-peer="${peerId}"]`)?.remove());
  room.on('members', (ids: string[]) => ids.length);
  room.on('message', (from: string | null, data: unknown) => [from, data]);
  room.on('link', (_peerId, link) => link.state === 'failed' && link.reason);
  room.on('state', (state: RoomState) => state === 'joined');
  room.on('refused', (error: RoomError) => error.code);
  stop();

  const result: JoinResult = await room.join();
  if (!result.ok) return [result.error.code];
  const sent = await room.send({ kind: 'hello' });
  if (!sent.ok) sent.error.message.toUpperCase();
  room.setStream(null);
  room.leave();
  return result.users;
}

/** A page that draws its own tiles, as the room page does, and says when it shares a screen. */
export function ownTiles(sharing: () => boolean): RoomClient {
  const view: TileView<HTMLVideoElement> = {
    create: (peerId, { local }) => Object.assign(document.createElement('video'), { muted: local, id: peerId ?? 'me' }),
    showStream: (video, stream) => void (video.srcObject = stream),
    setName: (video, name) => void (video.title = name),
    destroy: (video) => video.remove(),
    setMedia: (video, media: MediaState) => void (video.dataset.screen = String(media.screen)),
  };
  const room = new RoomClient({ roomId: 'r', view, mediaState: () => ({ mic: true, camera: false, screen: sharing() }) });
  room.on('arrived', (userId: string) => userId);
  room.on('departed', (userId: string) => userId);
  room.on('media', (_peerId, media) => media.mic && media.screen);
  room.on('disconnect', (reason: string) => reason);
  room.on('peer-lost', () => room.state);
  room.on('tiles', () => room.tiles.size);
  const pc = room.tiles.callOf(room.tiles.peers()[0] ?? '')?.peerConnection;
  pc?.getSenders();
  room.setStream(camera, { kind: 'audio', track: camera.getAudioTracks()[0] ?? null });
  room.announce();
  room.refreshIceServers().then(() => room.iceServers.map((s) => s.urls));
  return room;
}

export function core(io: (url: string, options: { path: string; auth: Record<string, unknown> }) => unknown): CoreRoomClient {
  const config = validateConfig(JSON.parse('{}'));
  const room = new CoreRoomClient({ ...config, io, Peer: class {} as new (options: Record<string, unknown>) => unknown });
  if (room.state === 'idle' && room.userId === null) room.members.slice();
  return room;
}

export function misuses(room: RoomClient): void {
  // @ts-expect-error roomId is required
  new RoomClient({ url: 'https://example.com' });
  // @ts-expect-error the transports are socketio and websocket
  new RoomClient({ roomId: 'r', transport: 'sse' });
  // @ts-expect-error no such event
  room.on('user-connected', () => {});
  // @ts-expect-error a stream handler gets a MediaStream, not a number
  room.on('stream', (_peerId: string, _stream: number) => {});
  // @ts-expect-error members is a list of ids
  room.on('members', (_count: number) => {});
  // @ts-expect-error join() answers a promise
  room.join().ok;
  // @ts-expect-error state is read-only
  room.state = 'joined';
  // @ts-expect-error a sent track is audio or video
  room.setStream(camera, { kind: 'screen', track: null });
  // @ts-expect-error a view draws every tile: `destroy` is required
  new RoomClient({ roomId: 'r', view: { create: () => ({}), showStream() {}, setName() {} } });
  // @ts-expect-error mediaState says mic, camera and screen
  new RoomClient({ roomId: 'r', mediaState: () => ({ mic: true }) });
  // @ts-expect-error arrived gives a user id
  room.on('arrived', (_userId: number) => {});
  // @ts-expect-error a ConfigError is an Error, not a string
  const text: string = new ConfigError();
  void text;
}
