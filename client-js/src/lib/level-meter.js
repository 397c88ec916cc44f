// The microphone level on the pre-join screen: a Web Audio AnalyserNode on
// the microphone track, its loudness shown in a <meter> once a frame.

/**
 * Starts metering `track` into `meter`; returns a function that stops it.
 *
 * @param {Window} win
 * @param {object|null} track a MediaStreamTrack of kind audio
 * @param {HTMLMeterElement} meter
 */
export function startLevelMeter(win, track, meter) {
  meter.value = 0;
  const Context = win.AudioContext ?? win.webkitAudioContext;
  if (!track || !Context) return () => {};
  const context = new Context();
  const analyser = context.createAnalyser();
  analyser.fftSize = 512;
  context.createMediaStreamSource(new win.MediaStream([track])).connect(analyser);
  const samples = new Float32Array(analyser.fftSize);
  let frame = 0;
  const draw = () => {
    analyser.getFloatTimeDomainData(samples);
    meter.value = loudness(samples);
    frame = win.requestAnimationFrame(draw);
  };
  draw();
  return () => {
    win.cancelAnimationFrame(frame);
    context.close().catch(() => {});
    meter.value = 0;
  };
}

/**
 * 0..1 from the root mean square of samples in -1..1, scaled so that speech
 * (RMS around 0.05-0.2) fills most of the meter.
 */
export function loudness(samples) {
  if (samples.length === 0) return 0;
  let sum = 0;
  for (const s of samples) sum += s * s;
  return Math.min(1, Math.sqrt(sum / samples.length) * 4);
}
