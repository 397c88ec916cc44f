// Camera and microphone: ask for both, fall back to one of them, and when
// neither is available join as a viewer. Every failure is classified so that
// the page can say exactly what went wrong with which device.

/** Failure kinds, with the wording used in messages. */
export const KINDS = {
  refused: 'permission refused',
  absent: 'not found',
  busy: 'in use by another application',
  insecure: 'needs a secure connection',
  unsupported: 'not supported by this browser',
  lost: 'disconnected',
  unknown: 'failed',
};

/**
 * Classifies a getUserMedia rejection.
 *
 * @param {unknown} err usually a DOMException
 * @returns {'refused'|'absent'|'busy'|'insecure'|'unknown'}
 */
export function classifyMediaError(err) {
  switch (err && err.name) {
    case 'NotAllowedError':
    case 'PermissionDeniedError': // older Chrome
    case 'SecurityError':
      return 'refused';
    case 'NotFoundError':
    case 'DevicesNotFoundError':
    case 'OverconstrainedError':
      return 'absent';
    case 'NotReadableError':
    case 'TrackStartError':
    case 'AbortError':
      return 'busy';
    default:
      return 'unknown';
  }
}

/**
 * Why media cannot even be asked for, or null when it can.
 *
 * @param {{isSecureContext?: boolean, navigator?: {mediaDevices?: object}}} win
 * @returns {'insecure'|'unsupported'|null}
 */
export function mediaBlocker(win) {
  const devices = win.navigator && win.navigator.mediaDevices;
  if (devices && typeof devices.getUserMedia === 'function') return null;
  // Browsers hide navigator.mediaDevices entirely outside a secure context.
  return win.isSecureContext === false ? 'insecure' : 'unsupported';
}

/**
 * Gets the local stream: camera and microphone, else microphone only, else
 * camera only, else nothing (a viewer who still sees and hears the others).
 *
 * @param {{isSecureContext?: boolean, navigator?: {mediaDevices?: {getUserMedia: Function}}}} win
 * @returns {Promise<{stream: object|null, mode: 'full'|'audio-only'|'video-only'|'viewer',
 *   camera: string|null, microphone: string|null}>} `camera`/`microphone` hold the
 *   failure kind of that device, null when it works
 */
export async function acquireMedia(win) {
  const blocker = mediaBlocker(win);
  if (blocker) return { stream: null, mode: 'viewer', camera: blocker, microphone: blocker };
  const gum = (constraints) => win.navigator.mediaDevices.getUserMedia(constraints);
  let both;
  try {
    return { stream: await gum({ video: true, audio: true }), mode: 'full', camera: null, microphone: null };
  } catch (err) {
    both = classifyMediaError(err);
  }
  const audio = await attempt(() => gum({ audio: true }));
  // The microphone works alone, so the camera was the problem.
  if (audio.stream) return { stream: audio.stream, mode: 'audio-only', camera: both, microphone: null };
  const video = await attempt(() => gum({ video: true }));
  if (video.stream) return { stream: video.stream, mode: 'video-only', camera: null, microphone: audio.kind };
  return { stream: null, mode: 'viewer', camera: video.kind, microphone: audio.kind };
}

async function attempt(get) {
  try {
    return { stream: await get(), kind: null };
  } catch (err) {
    return { stream: null, kind: classifyMediaError(err) };
  }
}

const CONSEQUENCE = {
  'audio-only': 'You joined with your microphone only.',
  'video-only': 'You joined with your camera only; the others cannot hear you.',
  viewer: 'You joined as a viewer: you see and hear the others, they cannot see or hear you.',
};

/**
 * The message for the status banner, or null when both devices work.
 *
 * @param {Awaited<ReturnType<typeof acquireMedia>>} result
 * @param {{host?: string}} [page] the page's host, named in the secure-context message
 */
export function describeMedia(result, page = {}) {
  const problem = describeProblem(result, page);
  if (!problem) return null;
  return CONSEQUENCE[result.mode] ? `${problem} ${CONSEQUENCE[result.mode]}` : problem;
}

/** What is wrong with which device, without the consequence (before joining); null when nothing. */
export function describeProblem({ camera, microphone }, page = {}) {
  if (!camera && !microphone) return null;
  return problemText(camera, microphone, page);
}

function problemText(camera, microphone, page) {
  if (camera === 'insecure' || microphone === 'insecure') {
    const where = page.host ? ` (this page is plain HTTP on ${page.host})` : '';
    return `Camera and microphone need a secure connection: HTTPS or localhost${where}.`;
  }
  if (camera && camera === microphone) return `Camera and microphone: ${KINDS[camera]}.`;
  const parts = [];
  if (camera) parts.push(`Camera: ${KINDS[camera]}.`);
  if (microphone) parts.push(`Microphone: ${KINDS[microphone]}.`);
  return parts.join(' ');
}
