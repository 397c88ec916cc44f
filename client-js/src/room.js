// The room page script. Reads the configuration from <body data-config>,
// gets the camera and microphone (or decides to be a viewer), opens a PeerJS
// peer against our server and the signaling socket (Socket.IO or the raw
// websocket client, same API), joins once all three are ready, and keeps the
// room healed across reconnects. The signaling socket also carries the
// application messages: text chat, and everyone's mute / camera-off state.
// Each call is watched (connectivity.js): one that fails is placed again, and
// its tile says so; TURN credentials are kept fresh (ice-refresh.js). One
// RTCPeerConnection per pair: names travel in the `state` messages. The grid
// fits any number of tiles, with a pin, the active speaker highlighted, and
// screen sharing for everyone (stage.js, speaker-watch.js, share.js).
// Before any of it, the pre-join screen (prejoin-view.js): room size, name,
// preview and devices; devices stay switchable during the call (local-media.js).
// The logic lives in lib/; this file wires it to the page. window.Peer and
// window.io come from /assets/peerjs.min.js and /assets/socket.io.min.js,
// loaded before this script (all three `defer`).
import { readData, stateData } from './lib/app-messages.js';
import { createAnnouncer } from './lib/announcer.js';
import { backoffDelay } from './lib/backoff.js';
import { Calls } from './lib/calls.js';
import { setupCameraFlip } from './lib/camera-flip.js';
import { setupChat } from './lib/chat-panel.js';
import { parseConfig, peerOptions } from './lib/config.js';
import { Connectivity } from './lib/connectivity.js';
import { setupControls } from './lib/controls.js';
import { ScreenShare } from './lib/share.js';
import { watchSpeakers } from './lib/speaker-watch.js';
import { createStage } from './lib/stage.js';
import { mediaState } from './lib/indicators.js';
import { IceRefresher } from './lib/ice-refresh.js';
import { describeMedia } from './lib/media.js';
import { setupDevicePickers } from './lib/device-view.js';
import { lostText } from './lib/devices.js';
import { LocalMedia } from './lib/local-media.js';
import { runPrejoin } from './lib/prejoin-view.js';
import { Membership } from './lib/membership.js';
import { Messenger } from './lib/messenger.js';
import { loadName, saveName } from './lib/names.js';
import { Presence } from './lib/presence.js';
import { createStatus } from './lib/status.js';
import { createTileView } from './lib/tile-view.js';
import { TileRegistry } from './lib/tiles.js';
import { dropTransport, openTransport } from './lib/transport.js';

const doc = document;
const win = window;
const $ = (id) => doc.getElementById(id);
const status = createStatus($('status'));

try {
  const config = parseConfig(doc.body.dataset.config);
  begin(config).catch((err) => showState('error', 'This room cannot start', err.message));
} catch (err) {
  showState('error', 'This room cannot start', err.message);
}

/** The pre-join screen, then the room with what the user chose there. */
async function begin(config) {
  doc.body.dataset.phase = 'prejoin'; // nothing of the room shows until Join
  const storage = safeStorage();
  const media = new LocalMedia({ win, storage });
  const pickers = setupDevicePickers(doc, media, { grid: $('video-grid'), log: (m) => console.warn(m) });
  win.navigator.mediaDevices?.addEventListener?.('devicechange', () => media.refresh());
  const choice = await runPrejoin({ doc, config, media, pickers, name: loadName(storage) });
  if (choice.full) {
    showState('full', 'This room is full', fullText(choice.info?.capacity ?? config.maxRoomSize), false);
    return;
  }
  const name = saveName(storage, choice.name) || loadName(storage);
  $('devices-panel').append($('devices')); // the same pickers, in the room now
  start(config, { storage, media, pickers, name });
}

function start(config, { storage, media, pickers, name: chosenName }) {
  let name = chosenName;
  let outgoing = media.stream; // what we send: the camera stream, or the screen while sharing
  let left = false;

  const stage = createStage($('video-grid'));
  const view = createTileView($('video-grid'), {
    onAutoplayBlocked,
    onPin: (tile) => stage.toggle(tile),
    onScreen: (tile, on) => stage.setScreen(tile, on),
  });
  // Joins and leaves, by name, in the one polite live region.
  const presence = new Presence({ announce: createAnnouncer($('announcer')) });
  const tiles = new TileRegistry(view, {
    onChange: () => stage.layout(),
    onName: (peerId, heard) => presence.named(peerId, heard),
  });
  tiles.setLocal(null, `${name} (you)`);
  showCount(1, config.maxRoomSize);

  // What PeerJS hands every new RTCPeerConnection; fresh credentials go in here.
  const options = peerOptions(config, win.location);
  const ice = new IceRefresher({
    servers: config.iceServers,
    ttl: config.iceServersPath ? config.iceTtl : null,
    url: config.iceServersPath,
    fetch: (url, init) => win.fetch(url, init),
    apply: (servers) => {
      options.config.iceServers = servers;
    },
    log: (message) => console.warn(message),
  });
  ice.start();

  // The participant count is who the server says is here, working call or not.
  let calls = null;
  let peers = null;
  const connectivity = new Connectivity({
    selfId: () => peers?.id ?? null,
    recall: (peerId) => calls.call(peerId),
    onState(peerId, link) {
      if (!link) {
        tiles.drop(peerId); // a failed call from someone not in the room
        return;
      }
      tiles.ensure(peerId);
      tiles.setLink(peerId, link);
    },
    onMembers: (count) => showCount(count + 1, config.maxRoomSize),
  });

  calls = new Calls({
    tiles,
    connectivity,
    getStream: () => outgoing,
    getName: () => name,
    emptyStream: () => new win.MediaStream(),
    beforeCall: () => ice.ensureFresh(),
    log: (message) => console.warn(message),
  });

  const socket = openTransport(config, { io: win.io, WebSocket: win.WebSocket, location: win.location });
  const membership = new Membership({
    roomId: config.roomId,
    socket,
    onJoined(users, { fresh }) {
      status.set('connection', null);
      announceMedia(); // whoever is there learns whether we are muted
      connectivity.retain(users); // the members, and a call to expect with each
      tiles.retain(users); // anyone we still show but who left while we were away
      if (!fresh) calls.heal(users); // nobody was told we are here: we call
    },
    onRejected(error) {
      if (error.code === 'room-full') roomFull();
      else fail('Could not join the room', error.message);
    },
    onRetry(error) {
      status.set('connection', `Joining the room again (${error.message})…`, 'warn');
    },
  });

  socket.on('connect', () => status.set('connection', null));
  socket.on('connect_error', () => left || status.set('connection', 'Cannot reach the server; retrying…', 'warn'));
  socket.on('disconnect', (reason) => {
    if (left) return;
    status.set('connection', 'Connection to the server lost; reconnecting…', 'warn');
    // Socket.IO does not reconnect by itself after a server-side disconnect.
    if (reason === 'io server disconnect') win.setTimeout(() => left || socket.connect(), 1000);
  });
  socket.on('user-connected', (userId) => {
    presence.arrived(userId);
    connectivity.expect(userId);
    calls.call(userId);
    announceMedia(); // to the newcomer (the others hear it again; harmless)
  });
  socket.on('user-disconnected', (userId) => {
    presence.departed(userId);
    calls.hangUp(userId);
  });

  const messenger = new Messenger({ socket, roomId: config.roomId, isMember: () => !left && membership.inRoom });
  const chat = setupChat(doc, { messenger, getName: () => name, names: tiles.names });
  messenger.onMessage((from, data) => {
    const message = readData(data); // null for what we do not know: ignored
    if (message?.kind === 'chat') chat.received(from, message.text);
    else if (message?.kind === 'state' && from !== null) {
      if (message.name) tiles.setName(from, message.name);
      tiles.setMedia(from, message);
    }
  });
  function announceMedia() {
    const state = { ...mediaState(media.stream), screen: share.active, name };
    messenger.send(stateData(state)).then((reply) => {
      // Not in the room (yet, or any more): the next join announces it anyway.
      if (!reply.ok && reply.error.code !== 'not-joined') console.warn(`announcing mute state: ${reply.error.code}`);
    });
  }

  peers = startPeer(options, calls, membership, () => left);
  const speakers = watchSpeakers({ tiles, stage, win });

  // The screen goes out on every call in place of the camera (or as the only
  // video of a viewer), and back to the camera when sharing stops.
  const share = new ScreenShare({
    mediaDevices: win.navigator.mediaDevices,
    onChange(track) {
      if (left) return;
      const camera = media.stream;
      outgoing = track ? new win.MediaStream([track, ...(camera?.getAudioTracks() ?? [])]) : camera;
      calls.sendVideo(track ?? camera?.getVideoTracks()[0] ?? null);
      tiles.setLocal(outgoing, `${name} (you)`);
      stage.setScreen(tiles.tileOf(null), !!track);
      status.set('screen', track ? 'You are sharing your screen.' : null, 'info');
      controls.refresh();
      announceMedia(); // the others show it whole, and pin it
    },
    onError: (message) => status.set('screen', message, 'warn'),
  });

  const controls = setupControls(doc, {
    getStream: () => media.stream,
    getName: () => name,
    share,
    rename(value) {
      const kept = saveName(storage, value);
      if (!kept) return '';
      name = kept;
      tiles.setLocal(outgoing, `${name} (you)`);
      announceMedia(); // the others learn names from our state
      return name;
    },
    leave,
    status: (slot, text, level) => status.set(slot, text, level),
    onMediaChange: announceMedia,
    // A viewer, or someone who joined with a device off, turns it on.
    canTurnOn: (kind) => media.canAsk(kind),
    turnOn: (kind) => media.enable(kind),
  });

  // Front and back camera (phones): the flip changes the camera track in
  // media.stream; it goes out like any other device change.
  const flip = setupCameraFlip($('btn-flip'), {
    mediaDevices: win.navigator.mediaDevices,
    getStream: () => media.stream,
    swapped(track) {
      if (track) media.watch('camera', track); // its `ended`, as for any camera
      sendDevice('camera', track);
      pickers.render();
    },
    report: (text) => status.set('camera', text, 'warn'),
  });

  // A device switched, turned on, or gone: every call sends what we have now.
  media.onTrack = (kind, track, old) => {
    if (left) return;
    sendDevice(kind, track, old);
  };
  function sendDevice(kind, track, old = null) {
    if (share.active) {
      // The screen keeps going out; a new camera waits until sharing stops
      // (share's onChange takes it from media.stream then); a new microphone goes on.
      if (kind === 'camera') return;
      if (old) outgoing.removeTrack(old);
      if (track) outgoing.addTrack(track);
    } else {
      outgoing = media.stream;
    }
    calls.sendTrack(kind === 'camera' ? 'video' : 'audio', track);
    tiles.setLocal(null, `${name} (you)`); // the same stream, a new track: start the video again
    tiles.setLocal(outgoing, `${name} (you)`);
    controls.refresh();
    announceMedia();
  }
  media.onChange = () => {
    if (left) return;
    pickers.render();
    controls.refresh();
    flip.refresh().catch((err) => console.warn(`listing cameras: ${err.message}`));
    doc.body.dataset.mode = media.mode;
    // A device that went away has its own line ('device'), not this one.
    const problems = Object.fromEntries(Object.entries(media.problem).map(([k, v]) => [k, v === 'lost' ? null : v]));
    const message = describeMedia({ ...problems, mode: media.mode }, { host: win.location.host });
    status.set('media', message, media.mode === 'viewer' ? 'error' : 'warn');
    const lost = ['camera', 'microphone'].filter((kind) => media.problem[kind] === 'lost');
    status.set('device', lost.length ? lost.map(lostText).join(' ') : null, 'warn');
  };
  tiles.setLocal(outgoing, `${name} (you)`);
  const message = describeMedia({ ...media.problem, mode: media.mode }, { host: win.location.host });
  status.set('media', message, media.mode === 'viewer' ? 'error' : 'warn');
  doc.body.dataset.mode = media.mode;
  controls.refresh();
  pickers.render();
  flip.refresh().catch((err) => console.warn(`listing cameras: ${err.message}`));
  membership.setMediaReady();

  function leave() {
    shutDown();
    showState('left', 'You left the room', 'The others can no longer see or hear you.', true);
  }

  function roomFull() {
    shutDown();
    showState('full', 'This room is full', fullText(config.maxRoomSize), false);
  }

  function fail(title, message) {
    shutDown();
    showState('error', title, message, true);
  }

  function shutDown() {
    if (left) return;
    left = true;
    share.close(); // before hanging up: `left` keeps it from touching the calls
    speakers.stop();
    membership.stop();
    socket.disconnect();
    ice.stop();
    calls.hangUpAll();
    peers.destroy();
    media.stopAll();
    presence.stop();
    for (const slot of ['connection', 'media', 'device', 'screen', 'audio', 'peer', 'camera', 'invite']) status.set(slot, null);
  }

  // A reload or a closed tab: leave at once, so the others drop our tile now
  // instead of after a timeout.
  win.addEventListener('pagehide', () => {
    if (left) return;
    left = true;
    share.close();
    socket.disconnect();
    peers.destroy();
  });

  function onAutoplayBlocked() {
    status.set('audio', 'Your browser started the videos muted.', 'warn', {
      label: 'Turn sound on',
      run() {
        for (const video of doc.querySelectorAll('#video-grid .tile:not(.local) video')) video.muted = false;
        status.set('audio', null);
      },
    });
  }

  // For the end-to-end test and for debugging from the console.
  win.linguaRoom = {
    config,
    socket,
    tiles,
    membership,
    calls,
    connectivity,
    ice,
    messenger,
    chat,
    stage,
    share,
    media,
    get peer() {
      return peers.current;
    },
    get joined() {
      return membership.joined !== null && !left;
    },
    /** Cuts the signaling connection as the network would; the client must heal. */
    dropSocket: () => dropTransport(socket),
    /** Cuts the PeerJS server connection; the client must reconnect with the same id. */
    dropPeer: () => peers.current?.disconnect(),
  };
}

/**
 * Opens the PeerJS peer and keeps it open: reconnects with the same id after
 * a lost server connection, and starts a new peer (new id) when PeerJS gave up.
 */
function startPeer(options, calls, membership, isLeft) {
  const state = { current: null, lastId: null, attempt: 0, timer: null };

  if (typeof win.Peer !== 'function') throw new Error('PeerJS is not loaded (/assets/peerjs.min.js)');

  function create() {
    const peer = new win.Peer(options);
    state.current = peer;
    calls.bind(peer);
    peer.on('open', (id) => {
      if (peer !== state.current) return;
      state.attempt = 0;
      status.set('peer', null);
      if (id === state.lastId) membership.refresh(); // same id: the server has us, ask who is there
      else membership.setPeerId(id); // new id: join (again) under it
      state.lastId = id;
      calls.flush();
    });
    peer.on('disconnected', () => {
      if (peer !== state.current || isLeft()) return;
      status.set('peer', 'Lost the call server; reconnecting…', 'warn');
      retry(() => peer.disconnected && !peer.destroyed && peer.reconnect());
    });
    peer.on('error', (err) => {
      if (peer !== state.current || isLeft()) return;
      if (err.type === 'peer-unavailable') {
        // Our call did not reach them: they left (user-disconnected follows),
        // or their PeerJS connection is away. A failed attempt either way.
        const peerId = /^Could not connect to peer (.+)$/.exec(err.message)?.[1];
        if (peerId) calls.unavailable(peerId);
        return;
      }
      console.warn(`PeerJS: ${err.type}: ${err.message}`);
      if (peer.destroyed) retry(create);
    });
  }

  function retry(action) {
    win.clearTimeout(state.timer);
    const delay = backoffDelay(Math.min(state.attempt, 10), { base: 500, max: 8000 });
    state.attempt += 1;
    state.timer = win.setTimeout(() => isLeft() || action(), delay);
  }

  create();
  return {
    get current() {
      return state.current;
    },
    /** Our PeerJS id, also while the PeerJS server is away (PeerJS then says null). */
    get id() {
      return state.lastId;
    },
    destroy() {
      win.clearTimeout(state.timer);
      state.current?.destroy();
    },
  };
}

function showCount(count, max) {
  const text = `${count} ${count === 1 ? 'participant' : 'participants'}${max ? ` · max ${max}` : ''}`;
  $('participant-count').textContent = text;
  $('video-grid').dataset.count = String(Math.min(count, 9));
}

function fullText(max) {
  return `Everyone who can fit is already here${max ? ` (at most ${max} ${max === 1 ? 'person' : 'people'})` : ''}.`;
}

function showState(kind, title, text, canRejoin = false) {
  doc.body.dataset.state = kind;
  $('room-state-title').textContent = title;
  $('room-state-text').textContent = text;
  $('rejoin').hidden = !canRejoin;
  $('room-state').hidden = false;
  $('prejoin').hidden = true;
  delete doc.body.dataset.phase;
  $('video-grid').hidden = true;
  $('chat').hidden = true;
  $('controls').hidden = true;
  $('room-state-title').focus?.();
}

function safeStorage() {
  try {
    return win.localStorage;
  } catch {
    return null;
  }
}
