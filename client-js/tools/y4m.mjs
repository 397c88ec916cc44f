// A Y4M clip for Chromium's fake camera (`--use-file-for-fake-video-capture`):
// a bright bar moving over grey, one second long, looped by Chromium. The e2e
// uses it for rooms of many small cameras, tools/room-cpu.mjs for the others
// of a measured page.

/** The clip's bytes: `width`x`height` (both even), `fps` frames. */
export function movingBar(width, height, fps) {
  const header = Buffer.from(`YUV4MPEG2 W${width} H${height} F${fps}:1 Ip A1:1 C420jpeg\n`);
  const frames = [];
  for (let f = 0; f < fps; f += 1) {
    const y = Buffer.alloc(width * height, 90);
    const bar = Math.floor((f / fps) * width);
    for (let row = 0; row < height; row += 1) y.fill(230, row * width + bar, row * width + Math.min(width, bar + 16));
    const chroma = Buffer.alloc((width / 2) * (height / 2) * 2, 128);
    frames.push(Buffer.from('FRAME\n'), y, chroma);
  }
  return Buffer.concat([header, ...frames]);
}
