#!/usr/bin/env node
// Checks that lingua-signal-core's top-level modules point one way: reads
// every module's `use crate::…` and `crate::…::` paths (tests and comments
// left out), resolves names re-exported by lib.rs to the module that defines
// them, and fails on any cycle (e.g. hub -> relay -> hub). Prints the graph.
// Usage: scripts/check-module-graph.mjs
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const src = fileURLToPath(new URL("../lingua-signal-core/src/", import.meta.url));
const lib = readFileSync(join(src, "lib.rs"), "utf8");
const modules = new Set([...lib.matchAll(/^(?:pub )?mod (\w+);/gm)].map((m) => m[1]));
const reexported = new Map();
for (const [, mod, names] of lib.matchAll(/pub use (\w+)::\{?([^;]*?)\}?;/gs)) {
  for (const name of names.match(/\w+/g) ?? []) if (!reexported.has(name)) reexported.set(name, mod);
}
const target = (name) => (modules.has(name) ? name : reexported.get(name));

const files = (dir) =>
  readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? files(join(dir, f)) : [join(dir, f)]));
const graph = new Map([...modules].map((m) => [m, new Set()]));
for (const file of files(src).filter((f) => f.endsWith(".rs") && !f.endsWith("lib.rs"))) {
  const from = file.slice(src.length).split("/")[0].replace(/\.rs$/, "");
  const code = readFileSync(file, "utf8")
    .replace(/#\[cfg\(test\)\]\s*mod tests \{[\s\S]*/, "")
    .split("\n")
    .filter((line) => !line.trim().startsWith("//"))
    .join("\n");
  const firsts = [];
  for (const [, group] of code.matchAll(/use crate::(\{[^;]*\}|[\w:]+)/g)) {
    // Top-level items of the group: split on commas outside nested braces.
    let depth = 0, item = "";
    for (const ch of group.replace(/^\{|\}$/g, "") + ",") {
      if (ch === "{") depth++;
      if (ch === "}") depth--;
      if (ch === "," && depth === 0) { firsts.push(item.trim().split("::")[0]); item = ""; } else item += ch;
    }
  }
  for (const [, name] of code.matchAll(/(?<!use )crate::(\w+)::/g)) firsts.push(name);
  for (const name of firsts) {
    const to = target(name);
    if (to && to !== from) graph.get(from)?.add(to);
  }
}

const cycles = [];
const visit = (node, path) => {
  for (const next of graph.get(node) ?? []) {
    if (path.includes(next)) cycles.push([...path.slice(path.indexOf(next)), next].join(" -> "));
    else visit(next, [...path, next]);
  }
};
for (const m of graph.keys()) visit(m, [m]);
for (const [m, to] of [...graph].sort()) if (to.size) console.log(`${m} -> ${[...to].sort().join(", ")}`);
if (cycles.length) {
  console.error(`module cycles in lingua-signal-core:\n  ${[...new Set(cycles)].join("\n  ")}`);
  process.exit(1);
}
console.log("lingua-signal-core: no module cycle");
