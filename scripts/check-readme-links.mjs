#!/usr/bin/env node
// Checks that the published crates' READMEs render on crates.io: each README
// is also the crate's rustdoc (`#![doc = include_str!("../README.md")]`), and
// rustdoc resolves intra-doc links such as [`Hub`] or [x](Hub::connect), but
// crates.io shows the README as plain Markdown, where such a link is broken
// unless the README defines it (`[`Hub`]: https://docs.rs/...`). So every
// reference link must have a definition, and every inline link must point to
// a URL or a file, never to a Rust path. Usage: scripts/check-readme-links.mjs
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

process.chdir(fileURLToPath(new URL("..", import.meta.url)));

const readmes = ["lingua-signal-core", "lingua-signal-axum", "lingua-signal-warp", "lingua-signal-serve", "lingua-signal-redis"].map((c) => `${c}/README.md`);
let failures = 0;

for (const file of readmes) {
  // Fenced code is not Markdown; link syntax inside it means nothing.
  const text = readFileSync(file, "utf8").replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, "");
  const defined = new Set([...text.matchAll(/^\[([^\]]+)\]:\s*\S+/gm)].map((m) => m[1].toLowerCase()));
  const problems = [];
  const body = text.replace(/^\[([^\]]+)\]:\s*\S+.*$/gm, "");
  // [text][label] and [label][]
  for (const m of body.matchAll(/\[([^\]]*)\]\[([^\]]*)\]/g)) {
    const label = (m[2] || m[1]).toLowerCase();
    if (!defined.has(label)) problems.push(`undefined reference [${m[2] || m[1]}]`);
  }
  // [text](target)
  for (const m of body.matchAll(/\[[^\]]*\]\(([^)\s]+)\)/g)) {
    const target = m[1];
    const isUrlOrFile = /^(https?:\/\/|mailto:|#)/.test(target) || (!target.includes("::") && /[./]/.test(target));
    if (!isUrlOrFile) problems.push(`inline link to a Rust path (${target})`);
  }
  // Shortcut [label]: a code span, or a word, not followed by ( [ or :
  for (const m of body.matchAll(/(?<![\]\w])\[(`[^`\]]+`|[A-Za-z][\w .-]*)\](?![(\[:])/g)) {
    if (!defined.has(m[1].toLowerCase())) problems.push(`undefined shortcut link [${m[1]}]`);
  }
  for (const p of problems) console.error(`${file}: ${p}`);
  failures += problems.length;
  if (problems.length === 0) console.log(`${file}: every link renders outside rustdoc`);
}
process.exit(failures ? 1 : 0);
