// The application messages this page sends to the others in its room, as the
// `data` of `room-message`:
//
//   {kind: "chat", text}                      a line of text chat
//   {kind: "state", mic: bool, camera: bool, screen: bool, name?: string}
//                                             my microphone and camera are on,
//                                             I share my screen, my display name
//
// `state` is how the others learn our name too (one peer connection per pair:
// no PeerJS data connection for names). It is sent after every join, to every
// newcomer, and on every change (toggle, share, rename).
//
// `data` from others is untrusted: anything else (another client's kinds, a
// wrong type, a server message we do not know) reads as null and is ignored.

import { cleanName } from './names.js';

/** The longest chat text we send or show, in characters (code points). */
export const MAX_TEXT = 1000;

/** The data for a chat line, or null when there is nothing to send. */
export function chatData(text) {
  const clean = cleanText(text);
  return clean ? { kind: 'chat', text: clean } : null;
}

/** The data announcing which of my devices are on, whether I share my screen, and my name. */
export function stateData({ mic, camera, screen, name }) {
  const data = { kind: 'state', mic: mic === true, camera: camera === true, screen: screen === true };
  const clean = typeof name === 'string' ? cleanName(name) : '';
  if (clean) data.name = clean; // a missing or empty name: the tile keeps what it shows
  return data;
}

/** The message in `data` from someone else, or null if it is not one we know. */
export function readData(data) {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return null;
  if (data.kind === 'chat') return chatData(data.text);
  if (data.kind === 'state' && typeof data.mic === 'boolean' && typeof data.camera === 'boolean') {
    return stateData(data); // an optional field of the wrong type reads as absent
  }
  return null;
}

/**
 * One printable line of at most MAX_TEXT characters: control characters
 * (newlines included) become spaces, the ends are trimmed. Markup stays as it
 * is: it is only ever shown with textContent.
 */
export function cleanText(text) {
  if (typeof text !== 'string') return '';
  const flat = text.replace(/[\u0000-\u001f\u007f]/g, ' ').trim();
  return [...flat].slice(0, MAX_TEXT).join('').trim();
}
