// Cameras, microphones and speakers: the lists the pickers show, which one to
// use (the one chosen last time if it is still there), the getUserMedia
// constraints for a choice, and what to switch to when a device goes away.
// Pure functions over what navigator.mediaDevices reports; the page wires them.

export const STORAGE_KEY = 'lingua-connect.devices';

/** Our names for the three kinds, and the MediaDeviceInfo kind of each. */
export const KINDS = { camera: 'videoinput', microphone: 'audioinput', speaker: 'audiooutput' };
const NOUN = { camera: 'Camera', microphone: 'Microphone', speaker: 'Speaker' };

/**
 * Groups `enumerateDevices()` output by kind, each entry with a label the
 * picker can show (browsers hide labels until media was allowed).
 *
 * @param {Array<{kind: string, deviceId: string, label?: string}>} infos
 * @returns {{camera: Device[], microphone: Device[], speaker: Device[]}}
 * @typedef {{id: string, label: string}} Device
 */
export function listDevices(infos) {
  const out = { camera: [], microphone: [], speaker: [] };
  for (const [name, kind] of Object.entries(KINDS)) {
    const seen = new Set();
    for (const info of infos ?? []) {
      // An empty id (no permission yet) cannot be chosen; duplicates add nothing.
      if (info?.kind !== kind || !info.deviceId || seen.has(info.deviceId)) continue;
      seen.add(info.deviceId);
      out[name].push({ id: info.deviceId, label: info.label || `${NOUN[name]} ${out[name].length + 1}` });
    }
  }
  return out;
}

/**
 * The device to use: `wanted` while it is in `list`, else the browser's
 * default (listed first), else none.
 *
 * @param {Device[]} list
 * @param {string|null|undefined} wanted
 * @returns {string|null}
 */
export function pickDevice(list, wanted) {
  if (wanted && list.some((d) => d.id === wanted)) return wanted;
  return list[0]?.id ?? null;
}

/**
 * Another device of the kind to switch to when `gone` (the one in use) has
 * disappeared or stopped: the first one that is not `gone`, or null.
 */
export function replacementFor(list, gone) {
  return list.find((d) => d.id !== gone)?.id ?? null;
}

/**
 * getUserMedia constraints for the chosen devices. `want.video` /
 * `want.audio` false leave that kind out; a chosen device is asked for
 * `exact`ly, so that a switch never silently lands on another one.
 *
 * @param {{camera?: string|null, microphone?: string|null}} choice
 * @param {{video: boolean, audio: boolean}} want
 */
export function constraintsFor(choice, want) {
  const one = (id) => (id ? { deviceId: { exact: id } } : true);
  return { video: want.video ? one(choice.camera) : false, audio: want.audio ? one(choice.microphone) : false };
}

/** The choices remembered from last time: `{camera?, microphone?, speaker?}`. */
export function loadChoices(storage) {
  try {
    const parsed = JSON.parse(storage?.getItem(STORAGE_KEY) ?? '{}');
    const out = {};
    for (const name of Object.keys(KINDS)) if (typeof parsed?.[name] === 'string') out[name] = parsed[name];
    return out;
  } catch {
    return {}; // storage disabled or garbage: the defaults
  }
}

/** Remembers `id` as the choice for `kind` ('camera', 'microphone', 'speaker'). */
export function saveChoice(storage, kind, id) {
  if (!(kind in KINDS)) return;
  const choices = { ...loadChoices(storage), [kind]: id };
  try {
    storage?.setItem(STORAGE_KEY, JSON.stringify(choices));
  } catch {
    // Not remembered; still used on this page.
  }
}

/** Whether the page can route audio to a chosen speaker. */
export function canPickSpeaker(win) {
  return typeof win.HTMLMediaElement?.prototype?.setSinkId === 'function';
}

/** The state line for a device that went away with no other to take over. */
export function lostText(kind) {
  return `${NOUN[kind]} disconnected.`;
}
