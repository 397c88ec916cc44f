// Who is speaking, from audio levels sampled a few times a second.
//
// Levels are what WebRTC reports for each remote participant's audio (0..1,
// RTCRtpReceiver.getSynchronizationSources()). Picking the loudest sample
// each time would make the highlight (and, in a large room, the speaker's
// place on the first page) jump between people who talk over each other, so
// the current speaker keeps the role while they keep talking: someone else
// takes it over only after the current one has been quiet for `hold` ms.
// When everyone is quiet, the last speaker stays (as in every video app).
//
// Pure: no DOM, no WebRTC, unit-tested in Node (test/speaker.test.mjs).

export const SPEAKER_DEFAULTS = {
  threshold: 0.02, // audioLevel above which someone counts as speaking (about -34 dBov)
  hold: 1500, // ms of silence before someone else can take over
};

export class SpeakerPicker {
  /** @param {{threshold?: number, hold?: number}} [options] */
  constructor(options = {}) {
    Object.assign(this, SPEAKER_DEFAULTS, options);
    /** The current speaker's id, or null. */
    this.current = null;
    this.lastHeard = -Infinity; // when the current speaker was last above the threshold
  }

  /**
   * One sample: `levels` maps each participant present to its audio level
   * (missing: not in the room any more). Returns the speaker after it.
   *
   * @param {Map<string, number>} levels
   * @param {number} now ms, any monotonic clock
   * @returns {string|null}
   */
  update(levels, now) {
    if (this.current !== null && !levels.has(this.current)) {
      this.current = null; // left the room
      this.lastHeard = -Infinity;
    }
    if (this.current !== null && (levels.get(this.current) ?? 0) >= this.threshold) {
      this.lastHeard = now;
      return this.current;
    }
    let loudest = null;
    let level = this.threshold;
    for (const [id, value] of levels) {
      if (value >= level) [loudest, level] = [id, value];
    }
    if (loudest !== null && now - this.lastHeard >= this.hold) {
      this.current = loudest;
      this.lastHeard = now;
    }
    return this.current;
  }
}
