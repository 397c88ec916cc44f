// The local camera and microphone, from the pre-join screen to the end of the
// call: which devices are in use, turning each kind on (asking the browser)
// and off, switching devices, and reacting when one goes away.
//
// Permission prompts: one getUserMedia for both kinds first. A refusal is
// final for the kinds asked (never a second prompt by itself: Firefox would
// show one per request) until the user turns the device on again; only a
// device that is absent or busy makes us ask again, for each kind alone.
//
// The page hears of every track change through `onTrack(kind, track, old)`
// and sends it to the calls (Calls.sendTrack: replaceTrack, or a new call when
// a call has no sender for that kind yet).
import { classifyMediaError, mediaBlocker } from './media.js';
import { constraintsFor, listDevices, loadChoices, pickDevice, replacementFor, saveChoice } from './devices.js';

const TRACK_KIND = { camera: 'video', microphone: 'audio' };

export class LocalMedia {
  /**
   * @param {object} options
   * @param {object} options.win the window (navigator.mediaDevices, MediaStream)
   * @param {object|null} options.storage localStorage, for the device choices
   * @param {(kind: 'camera'|'microphone', track: object|null, old: object|null) => void} [options.onTrack]
   * @param {() => void} [options.onChange] devices, tracks or problems changed
   */
  constructor({ win, storage, onTrack = () => {}, onChange = () => {} }) {
    Object.assign(this, { win, storage, onTrack, onChange });
    this.stream = null;
    this.choice = loadChoices(storage);
    this.devices = { camera: [], microphone: [], speaker: [] };
    /** Why a kind cannot be used ('refused', 'absent', 'busy', …, or 'lost'), null when fine. */
    this.problem = { camera: null, microphone: null };
    this.asked = { camera: false, microphone: false };
  }

  get mediaDevices() {
    return this.win.navigator?.mediaDevices;
  }

  /** The track of `kind` we send, or null. */
  track(kind) {
    const tracks = kind === 'camera' ? this.stream?.getVideoTracks() : this.stream?.getAudioTracks();
    return tracks?.[0] ?? null;
  }

  /** Whether `kind` can be asked for at all (not on plain HTTP, not without getUserMedia). */
  canAsk(kind) {
    return !['insecure', 'unsupported'].includes(this.problem[kind]);
  }

  /** 'full', 'audio-only', 'video-only' or 'viewer', as media.js says it. */
  get mode() {
    const [video, audio] = [this.track('camera'), this.track('microphone')];
    if (video && audio) return 'full';
    return audio ? 'audio-only' : video ? 'video-only' : 'viewer';
  }

  /** Asks for `kinds` (both by default) with one request, then each alone if a device was absent or busy. */
  async start(kinds = ['camera', 'microphone']) {
    const blocker = mediaBlocker(this.win);
    if (blocker) {
      for (const kind of kinds) this.problem[kind] = blocker;
      this.onChange();
      return;
    }
    const wanted = kinds.filter((k) => !this.track(k) && !this.asked[k]);
    if (wanted.length === 0) return;
    const failure = await this.acquire(wanted);
    if (failure && failure !== 'refused' && wanted.length > 1) {
      for (const kind of wanted) await this.acquire([kind]);
    }
    await this.refresh();
  }

  /**
   * Turns `kind` on, at the user's request: asks for it even after a
   * refusal (the browser decides whether to prompt again). Returns whether
   * it is on.
   */
  async enable(kind) {
    if (this.track(kind)) return true;
    this.asked[kind] = false;
    await this.start([kind]);
    return !!this.track(kind);
  }

  /** Turns `kind` off and releases the device (its light goes off). */
  disable(kind) {
    const old = this.track(kind);
    if (!old) return;
    this.choice[kind] ??= this.deviceOf(kind); // turned on again: the same device
    this.stream.removeTrack(old);
    old.stop();
    this.onTrack(kind, null, old);
    this.onChange();
  }

  /** Uses device `id` for `kind` from now on (remembered); a running track is replaced. */
  async use(kind, id) {
    this.choice[kind] = id;
    saveChoice(this.storage, kind, id);
    if (kind === 'speaker' || !this.track(kind)) return this.onChange();
    if (this.deviceOf(kind) === id) return undefined;
    return this.replace(kind);
  }

  /** Stops the track of `kind` and gets a new one from the chosen device. */
  async replace(kind) {
    const old = this.track(kind);
    // Some cameras cannot be opened twice: the old one goes first.
    old?.stop();
    const stream = await this.request({ [TRACK_KIND[kind]]: true }, [kind]);
    if (old) this.stream.removeTrack(old);
    const track = stream ? (kind === 'camera' ? stream.getVideoTracks()[0] : stream.getAudioTracks()[0]) : null;
    if (track) this.add(kind, track);
    this.onTrack(kind, track, old);
    this.onChange();
  }

  /** Everything released (leaving). */
  stopAll() {
    this.stream?.getTracks().forEach((t) => t.stop());
  }

  /**
   * The device lists again (after `devicechange`, or once media was
   * allowed and labels are known). A device in use that is gone is replaced
   * by another of its kind, or reported as 'lost'.
   */
  async refresh() {
    try {
      this.devices = listDevices(await this.mediaDevices.enumerateDevices());
    } catch {
      this.devices = { camera: [], microphone: [], speaker: [] };
    }
    for (const kind of ['camera', 'microphone']) {
      const inUse = this.deviceOf(kind);
      if (inUse && !this.devices[kind].some((d) => d.id === inUse)) await this.lose(kind, inUse);
    }
    this.onChange();
  }

  /** The device id the track of `kind` runs on, null without a track. */
  deviceOf(kind) {
    return this.track(kind)?.getSettings?.().deviceId ?? null;
  }

  /** The id each picker shows selected. */
  selected(kind) {
    return kind === 'speaker' || !this.track(kind)
      ? pickDevice(this.devices[kind], this.choice[kind])
      : (this.deviceOf(kind) ?? pickDevice(this.devices[kind], this.choice[kind]));
  }

  async lose(kind, gone) {
    const next = replacementFor(this.devices[kind], gone);
    if (next) {
      this.choice[kind] = next; // for this page; the remembered choice may come back
      await this.replace(kind);
      if (this.track(kind)) return;
    }
    const old = this.track(kind);
    if (old) {
      this.stream.removeTrack(old);
      this.onTrack(kind, null, old);
    }
    // The permission taken back (site settings) ends tracks as an unplugged
    // device does: the user is told the real reason, and where to look.
    const refused = this.problem[kind] === 'refused' || (await this.permissionDenied(kind));
    this.problem[kind] = refused ? 'refused' : 'lost';
  }

  /** Whether the browser says the page's permission for `kind` is denied (false where it cannot say). */
  async permissionDenied(kind) {
    try {
      const status = await this.win.navigator?.permissions?.query({ name: kind });
      return status?.state === 'denied';
    } catch {
      return false; // a browser that does not know the name
    }
  }

  /** One getUserMedia for `kinds`; returns the failure kind, or null. */
  async acquire(kinds) {
    const want = { video: kinds.includes('camera'), audio: kinds.includes('microphone') };
    const stream = await this.request(want, kinds);
    if (!stream) return this.problem[kinds[0]];
    for (const track of stream.getTracks()) this.add(track.kind === 'video' ? 'camera' : 'microphone', track);
    for (const kind of kinds) this.onTrack(kind, this.track(kind), null);
    return null;
  }

  async request(want, kinds) {
    for (const kind of kinds) this.asked[kind] = true;
    const gum = (choice) => this.mediaDevices.getUserMedia(constraintsFor(choice, want));
    try {
      // A remembered device that is gone: the browser's default instead.
      const stream = await gum(this.choice).catch((err) => (err?.name === 'OverconstrainedError' ? gum({}) : Promise.reject(err)));
      for (const kind of kinds) this.problem[kind] = null;
      return stream;
    } catch (err) {
      const kind = classifyMediaError(err);
      for (const k of kinds) this.problem[k] = kind;
      return null;
    }
  }

  add(kind, track) {
    if (!this.stream) this.stream = new this.win.MediaStream();
    this.stream.addTrack(track);
    this.watch(kind, track);
  }

  /**
   * Follows `track` (ours, or one put in the stream by the camera flip):
   * unplugged, or taken by the system, it is treated as a device that went away.
   */
  watch(kind, track) {
    track.addEventListener?.('ended', () => {
      if (this.track(kind) === track) this.lose(kind, this.deviceOf(kind)).then(() => this.onChange());
    });
  }
}
