// The room page script (placeholder). The room client described in the design
// (join once media and peer are ready, one video per remote peer) lands here.
// Every src/*.js file is bundled to dist/<name>.js as a minified IIFE.
(() => {})();
