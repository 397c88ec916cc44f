// The pre-join screen's logic: ask the server how full the room is before
// anything touches the camera, then let the user set name and devices, then
// join. The view (prejoin-view.js) renders `screen` and feeds it events.

/** Where the room's size is asked: `<roomInfoPath>/<roomId>`. */
export function roomInfoUrl(config) {
  return `${config.roomInfoPath}/${encodeURIComponent(config.roomId)}`;
}

/**
 * Fetches and checks `{members, capacity, full}`. Null when the server
 * cannot say (old server, network): the join itself still decides.
 *
 * @param {(url: string, init?: object) => Promise<Response>} fetch
 * @param {string} url
 */
export async function fetchRoomInfo(fetch, url) {
  try {
    const response = await fetch(url, { cache: 'no-store', credentials: 'same-origin' });
    if (!response.ok) return null;
    const body = await response.json();
    const count = (n) => Number.isInteger(n) && n >= 0;
    if (!count(body?.members) || !count(body?.capacity) || typeof body.full !== 'boolean') return null;
    return { members: body.members, capacity: body.capacity, full: body.full };
  } catch {
    return null;
  }
}

/** "2 people in the room · max 50", or "Nobody is here yet". */
export function countText(info) {
  if (!info) return '';
  const who = info.members === 0 ? 'Nobody is here yet' : `${info.members} ${info.members === 1 ? 'person' : 'people'} in the room`;
  return `${who} · max ${info.capacity}`;
}

/**
 * The screen's states: 'checking' (asking the server) → 'full' (the end) or
 * 'ready' (name, toggles, preview; Join enabled) → 'joining'.
 *
 * @param {{state: string}} screen
 * @param {{type: 'info', info: object|null} | {type: 'join'}} event
 * @returns {{state: string, info?: object|null}} the next screen (the same object when nothing changes)
 */
export function step(screen, event) {
  if (event.type === 'info' && screen.state === 'checking') {
    return { state: event.info?.full ? 'full' : 'ready', info: event.info };
  }
  if (event.type === 'join' && screen.state === 'ready') return { ...screen, state: 'joining' };
  return screen;
}

/** The pre-join screen before the server answered. */
export const INITIAL = Object.freeze({ state: 'checking', info: null });
