#!/usr/bin/env node
// Checks that every relative link in the repository's Markdown points to
// something that exists: in every git-tracked `*.md` file (not under
// node_modules, target or client-js/dist), each `[text](path)`,
// `[text](path#anchor)` and reference definition `[label]: path` whose target
// is not a URL, a mail address or an anchor of the same page must name an
// existing file or directory, relative to the Markdown file. Anchors are not
// checked. Fenced code blocks and code spans are skipped: link syntax there
// is text. Usage: scripts/check-doc-links.mjs
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";

process.chdir(fileURLToPath(new URL("..", import.meta.url)));

const skipped = /(^|\/)(node_modules|target)\/|^client-js\/dist\//;
const files = execFileSync("git", ["ls-files", "-z", "--", "*.md"], { encoding: "utf8" })
  .split("\0")
  .filter((file) => file && !skipped.test(file) && existsSync(file));

/** The targets of inline links and reference definitions, outside code. */
function targets(markdown) {
  const text = markdown
    .replace(/^ {0,3}(```|~~~)[^\n]*\n[\s\S]*?^ {0,3}\1[^\n]*$/gm, "")
    .replace(/`[^`\n]*`/g, "``");
  const found = [];
  // [text](target) and [text](<target with spaces> "title"); images too.
  for (const m of text.matchAll(/\]\(\s*(<[^>]*>|[^)\s]+)(?:\s+"[^"]*")?\s*\)/g)) {
    found.push(m[1].replace(/^<|>$/g, ""));
  }
  // [label]: target
  for (const m of text.matchAll(/^ {0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)/gm)) {
    found.push(m[1].replace(/^<|>$/g, ""));
  }
  return found;
}

const broken = [];
for (const file of files) {
  for (const target of targets(readFileSync(file, "utf8"))) {
    if (/^([a-z][a-z0-9+.-]*:|#|\/\/)/i.test(target)) continue; // URL, mailto:, same-page anchor
    const path = decodeURI(target.split("#")[0].split("?")[0]);
    const resolved = path.startsWith("/") ? normalize(`.${path}`) : normalize(join(dirname(file), path));
    if (!existsSync(resolved)) broken.push(`${file}: ${target} (no ${resolved})`);
  }
}

if (broken.length > 0) {
  console.error(`${broken.length} relative link(s) in Markdown point to nothing:`);
  for (const line of broken) console.error(`  ${line}`);
  process.exit(1);
}
console.log(`${files.length} Markdown files: every relative link points to a file or directory`);
