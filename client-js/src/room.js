// The room page script. Reads the configuration from <body data-config>,
// shows the pre-join screen (prejoin-view.js: room size, name, preview and
// devices), then joins with the package's RoomClient (client/room-client.js),
// the same API other pages use: it opens the PeerJS peer and the signaling
// socket (Socket.IO or the raw websocket), joins once both are ready, keeps
// the room healed across reconnects, watches and re-places failed calls,
// keeps TURN credentials fresh, and carries names and everyone's mute /
// camera-off / screen state in the `state` application message. This file
// adds the page: the client draws its tiles with our DOM view (tile-view.js),
// and the rest is UI: the grid with a pin, the active speaker and screen
// sharing (stage.js, speaker-watch.js, share.js), controls, chat (another
// application message), announcements, devices switchable during the call
// (local-media.js), the camera flip, and the status lines. window.Peer and
// window.io come from /assets/peerjs.min.js and /assets/socket.io.min.js,
// loaded before this script (all three `defer`).
import { RoomClient } from './client/room-client.js';
import { readData } from './lib/app-messages.js';
import { createAnnouncer } from './lib/announcer.js';
import { setupCameraFlip } from './lib/camera-flip.js';
import { setupChat } from './lib/chat-panel.js';
import { parseConfig } from './lib/config.js';
import { setupControls } from './lib/controls.js';
import { ScreenShare } from './lib/share.js';
import { watchSpeakers } from './lib/speaker-watch.js';
import { createStage } from './lib/stage.js';
import { mediaState } from './lib/indicators.js';
import { describeMedia } from './lib/media.js';
import { setupDevicePickers } from './lib/device-view.js';
import { lostText } from './lib/devices.js';
import { LocalMedia } from './lib/local-media.js';
import { runPrejoin } from './lib/prejoin-view.js';
import { loadName, saveName } from './lib/names.js';
import { Presence } from './lib/presence.js';
import { createStatus } from './lib/status.js';
import { createTileView } from './lib/tile-view.js';
import { dropTransport } from './lib/transport.js';

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
  let joined = false;

  const stage = createStage($('video-grid'));
  const view = createTileView($('video-grid'), {
    onAutoplayBlocked,
    onPin: (tile) => stage.toggle(tile),
    onScreen: (tile, on) => stage.setScreen(tile, on),
  });
  // Our own tile says who it is; the client knows only our name.
  const local = (tile, text) => (tile.classList.contains('local') ? `${text} (you)` : text);
  // Joins and leaves, by name, in the one polite live region.
  const presence = new Presence({ announce: createAnnouncer($('announcer')) });

  // Transport, joining, membership, calls, names and the others' mute state:
  // the package's RoomClient, drawing its tiles with our view. PeerJS and
  // Socket.IO are the page's globals (window.Peer, window.io).
  const client = new RoomClient({
    ...config,
    stream: outgoing,
    name,
    view: { ...view, setName: (tile, text) => view.setName(tile, local(tile, text)) },
    // What the `state` message says: the camera's state (not the screen's, while sharing).
    mediaState: () => ({ ...mediaState(media.stream), screen: share.active }),
  });
  const { tiles } = client;
  client.on('tiles', () => stage.layout());
  stage.layout();
  client.on('name', (peerId, heard) => presence.named(peerId, heard));
  client.on('arrived', (userId) => presence.arrived(userId));
  client.on('departed', (userId) => presence.departed(userId));
  // The participant count is who the server says is here, working call or not.
  client.on('members', (ids) => showCount(ids.length + 1, config.maxRoomSize));
  showCount(1, config.maxRoomSize);
  client.on('warning', (message) => console.warn(message));

  client.on('joined', () => {
    joined = true;
    status.set('connection', null);
  });
  client.on('refused', (error) => {
    if (error.code === 'room-full') roomFull();
    else fail('Could not join the room', error.message);
  });
  client.on('retry', (error) => status.set('connection', `Joining the room again (${error.message})…`, 'warn'));
  client.on('connect', () => status.set('connection', null));
  client.on('connect-error', () => left || status.set('connection', 'Cannot reach the server; retrying…', 'warn'));
  client.on('disconnect', () => left || status.set('connection', 'Connection to the server lost; reconnecting…', 'warn'));
  client.on('peer-open', () => status.set('peer', null));
  client.on('peer-lost', () => left || status.set('peer', 'Lost the call server; reconnecting…', 'warn'));

  const chat = setupChat(doc, { messenger: { send: (data) => client.send(data) }, getName: () => name, names: tiles.names });
  client.on('message', (from, data) => {
    const message = readData(data); // null for what we do not know: ignored
    if (message?.kind === 'chat') chat.received(from, message.text);
  });

  const speakers = watchSpeakers({ tiles, stage, win });

  // The screen goes out on every call in place of the camera (or as the only
  // video of a viewer), and back to the camera when sharing stops.
  const share = new ScreenShare({
    mediaDevices: win.navigator.mediaDevices,
    onChange(track) {
      if (left) return;
      const camera = media.stream;
      outgoing = track ? new win.MediaStream([track, ...(camera?.getAudioTracks() ?? [])]) : camera;
      // Sent on every call, shown on our tile; the others show it whole, and pin it.
      client.setStream(outgoing, { kind: 'video', track: track ?? camera?.getVideoTracks()[0] ?? null });
      stage.setScreen(tiles.tileOf(null), !!track);
      status.set('screen', track ? 'You are sharing your screen.' : null, 'info');
      controls.refresh();
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
      client.setName(name); // our tile, and the others learn names from our state
      return name;
    },
    leave,
    status: (slot, text, level) => status.set(slot, text, level),
    onMediaChange: () => client.announce(),
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
    client.setStream(outgoing, { kind: kind === 'camera' ? 'video' : 'audio', track });
    controls.refresh();
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
  const message = describeMedia({ ...media.problem, mode: media.mode }, { host: win.location.host });
  status.set('media', message, media.mode === 'viewer' ? 'error' : 'warn');
  doc.body.dataset.mode = media.mode;
  controls.refresh();
  pickers.render();
  flip.refresh().catch((err) => console.warn(`listing cameras: ${err.message}`));
  client.join(); // answers through the `joined` and `refused` events

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
    client.leave();
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
    client.leave();
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
    client,
    tiles,
    chat,
    stage,
    share,
    media,
    get socket() {
      return client.socket;
    },
    get peer() {
      return client.peer;
    },
    ice: {
      refresh: () => client.refreshIceServers(),
      get servers() {
        return client.iceServers;
      },
    },
    get joined() {
      return joined && !left;
    },
    /** Cuts the signaling connection as the network would; the client must heal. */
    dropSocket: () => dropTransport(client.socket),
    /** Cuts the PeerJS server connection; the client must reconnect with the same id. */
    dropPeer: () => client.peer?.disconnect(),
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
