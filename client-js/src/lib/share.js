// Screen sharing: one display capture at a time, for everyone (a viewer
// without a camera can share too). The capture ends in one place, `stop()`,
// whichever way it ends: our button, the browser's own "Stop sharing" (the
// track's `ended`), leaving, a failure of the page, or a full room.

export class ScreenShare {
  /**
   * @param {object} options
   * @param {{getDisplayMedia?: Function}|undefined} options.mediaDevices navigator.mediaDevices
   * @param {(track: object|null) => void} options.onChange the screen track to send and
   *   show, null when sharing stopped
   * @param {(message: string) => void} [options.onError] the capture failed (not a refusal)
   */
  constructor({ mediaDevices, onChange, onError }) {
    this.mediaDevices = mediaDevices;
    this.onChange = onChange;
    this.onError = onError ?? (() => {});
    this.track = null;
    this.starting = false;
    this.closed = false;
  }

  /** Whether this browser can share a screen at all. */
  get supported() {
    return typeof this.mediaDevices?.getDisplayMedia === 'function';
  }

  get active() {
    return this.track !== null;
  }

  /** Asks the browser for a screen, window or tab and starts sending it. */
  async start() {
    if (this.track || this.starting || !this.supported || this.closed) return;
    this.starting = true;
    try {
      const display = await this.mediaDevices.getDisplayMedia({ video: true, audio: false });
      const [track] = display.getVideoTracks();
      if (this.closed) return track?.stop(); // the page left while the picker was open
      this.track = track;
      track.addEventListener('ended', () => this.stop()); // the browser's own "Stop sharing"
      this.onChange(track);
    } catch (err) {
      // Cancelling the picker is a NotAllowedError: not worth a message.
      if (err?.name !== 'NotAllowedError') this.onError(`Screen sharing failed: ${err?.message ?? err}`);
    } finally {
      this.starting = false;
    }
  }

  /** Stops the capture (if any) and tells `onChange`. */
  stop() {
    if (!this.track) return;
    const track = this.track;
    this.track = null;
    track.stop();
    this.onChange(null);
  }

  /** For good (the page left the room): stops, and refuses to start again. */
  close() {
    this.closed = true;
    this.stop();
  }
}
