// The device pickers (camera, microphone, speaker), on the pre-join screen
// and then in the room: they show LocalMedia's lists and send a choice back.
// Speaker choice goes to every <video> of the grid through setSinkId, where
// the browser has it (Firefox asks first, Safari has none: the picker hides).
//
// setSinkId only ever runs for a speaker the user picked (now or on an
// earlier visit): without a choice every element already plays on the
// default output. An earlier version switched every new element at once, and
// again on every change in the grid while the first switch was pending: the
// prime suspect for a tile left without frames on a busy machine. Now a new
// element gets the chosen output once it has data, and an element is never
// asked twice for the same output.
import { canPickSpeaker } from './devices.js';

const KINDS = ['camera', 'microphone', 'speaker'];

/**
 * @param {Document} doc
 * @param {import('./local-media.js').LocalMedia} media
 * @param {{grid: Element, log?: (message: string) => void}} options
 * @returns {{render: () => void}}
 */
export function setupDevicePickers(doc, media, { grid, log = () => {} }) {
  const win = doc.defaultView;
  const select = (kind) => doc.getElementById(`${kind}-select`);
  const speakers = canPickSpeaker(win);
  doc.getElementById('speaker-field').hidden = !speakers;
  const asked = new WeakMap(); // <video> -> the sink id last requested for it
  const loading = new WeakSet(); // <video>s waiting for their first data

  for (const kind of KINDS) {
    select(kind).addEventListener('change', async () => {
      await media.use(kind, select(kind).value);
      if (kind === 'speaker') applySpeaker();
    });
  }

  /** The output the user picked, null while they picked none (the default plays). */
  function chosenSpeaker() {
    return speakers && media.choice.speaker ? media.selected('speaker') : null;
  }

  function route(video) {
    const id = chosenSpeaker();
    if (!id || (video.sinkId || 'default') === id || asked.get(video) === id) return;
    if (video.readyState < 2) {
      // Still loading its stream: once it has data.
      if (loading.has(video)) return;
      loading.add(video);
      video.addEventListener('loadeddata', () => {
        loading.delete(video);
        route(video);
      }, { once: true });
      return;
    }
    asked.set(video, id);
    video.setSinkId(id).catch((err) => {
      asked.delete(video);
      log(`setSinkId: ${err.message}`);
    });
  }

  function applySpeaker() {
    for (const video of grid.querySelectorAll('video')) route(video);
  }
  // Tiles come and go: a new tile's <video> plays on the chosen speaker too.
  new win.MutationObserver((records) => {
    for (const record of records) {
      for (const node of record.addedNodes) if (node.querySelectorAll) node.querySelectorAll('video').forEach(route);
    }
  }).observe(grid, { childList: true });

  function render() {
    for (const kind of KINDS) {
      const element = select(kind);
      const list = media.devices[kind];
      element.replaceChildren(
        ...list.map((device) => {
          const option = doc.createElement('option');
          option.value = device.id;
          option.textContent = device.label;
          return option;
        }),
      );
      element.value = media.selected(kind) ?? '';
      element.disabled = list.length === 0;
    }
    applySpeaker();
  }

  return { render };
}
