#!/usr/bin/env node
// Checks that the modules of every workspace crate point one way: no import
// circle, at any depth. For each crate (the `members` of the root
// Cargo.toml), reads every module file's `use crate::…`, `use super::…`,
// `use self::…` trees and inline `crate::…::` / `super::…::` paths (test
// modules and comments left out), resolves a name that a module re-exports
// (`pub use child::Name`) to the module that defines it, and lifts each edge
// to the two siblings under the modules' nearest common ancestor: an edge
// `a::x -> b::y` counts as `a -> b`, an edge `a::x -> a::y` as `x -> y` under
// `a`. A module using its own descendants or ancestors is not an edge. Fails
// on any cycle among siblings (e.g. `socketio::request -> socketio::session
// -> socketio::request`) and prints each crate's edges.
// Usage: scripts/check-module-graph.mjs [crate-dir…]   (default: every member)
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

process.chdir(fileURLToPath(new URL("..", import.meta.url)));

const members = () => {
  const manifest = readFileSync("Cargo.toml", "utf8");
  const list = manifest.match(/members\s*=\s*\[([^\]]*)\]/)?.[1] ?? "";
  return [...list.matchAll(/"([^"]+)"/g)].map((m) => m[1]);
};

// Code without comments and without the `#[cfg(test)] mod tests { … }` block
// that closes most files.
const codeOf = (file) =>
  readFileSync(file, "utf8")
    .replace(/#\[cfg\(test\)\]\s*mod tests \{[\s\S]*/, "")
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .split("\n")
    .map((line) => line.replace(/\/\/.*$/, ""))
    .join("\n");

// The module tree of one crate root: module path ("" for the root, "a::b")
// -> { file, children, test }.
function moduleTree(root) {
  const modules = new Map();
  const walk = (path, file, isModRs) => {
    const code = codeOf(file);
    const raw = readFileSync(file, "utf8");
    const children = new Set();
    modules.set(path, { file, children, code });
    const dir = isModRs ? dirname(file) : join(dirname(file), file.split("/").pop().replace(/\.rs$/, ""));
    for (const m of raw.matchAll(/^([ \t]*(?:#\[[^\]]*\]\s*)*)(?:pub(?:\([^)]*\))? )?mod (\w+);/gm)) {
      const [, attrs, name] = m;
      if (/cfg\(test\)/.test(attrs)) continue; // test-only modules may point anywhere
      const childPath = path ? `${path}::${name}` : name;
      const flat = join(dir, `${name}.rs`);
      const nested = join(dir, name, "mod.rs");
      if (existsSync(flat)) walk(childPath, flat, false);
      else if (existsSync(nested)) walk(childPath, nested, true);
      else continue;
      children.add(name);
    }
  };
  walk("", root, true);
  return modules;
}

const join2 = (a, b) => (a ? `${a}::${b}` : b);
const parentOf = (path) => (path.includes("::") ? path.slice(0, path.lastIndexOf("::")) : "");

// Expands a use tree (`a::{b, c::{d, e}}`) into full paths.
function expand(tree) {
  tree = tree.replace(/\s+/g, "");
  const open = tree.indexOf("{");
  if (open < 0) return [tree.replace(/as\w+$/, "")];
  const prefix = tree.slice(0, open);
  const inner = tree.slice(open + 1, tree.lastIndexOf("}"));
  const parts = [];
  let depth = 0;
  let item = "";
  for (const ch of inner + ",") {
    if (ch === "{") depth++;
    if (ch === "}") depth--;
    if (ch === "," && depth === 0) {
      if (item) parts.push(item);
      item = "";
    } else item += ch;
  }
  return parts.flatMap((part) => expand(part).map((p) => (p === "self" ? prefix.replace(/::$/, "") : prefix + p)));
}

// `pub use child::{A, B}` and `pub use self::child::A` in a module: name ->
// module path that defines it.
function reexports(modules, path) {
  const map = new Map();
  const { code } = modules.get(path);
  for (const [, tree] of code.matchAll(/pub(?:\([^)]*\))? use ((?:self::)?[\w:]*(?:\{[^;]*\})?)\s*;/g)) {
    for (const full of expand(tree)) {
      const segments = full.replace(/^self::/, "").split("::");
      const name = segments.at(-1);
      if (!name || name === "*") continue;
      let at = path;
      for (const seg of segments.slice(0, -1)) {
        if (modules.get(at)?.children.has(seg)) at = join2(at, seg);
        else break;
      }
      if (at !== path && !map.has(name)) map.set(name, at);
    }
  }
  return map;
}

// The module a path of `from` names (`crate::a::B`, `super::c`, `self::d`).
function resolve(modules, exported, from, full) {
  const segments = full.split("::");
  let at;
  if (segments[0] === "crate") at = "";
  else if (segments[0] === "self") at = from;
  else if (segments[0] === "super") {
    at = from;
    while (segments[0] === "super") {
      at = parentOf(at);
      segments.shift();
    }
    segments.unshift("super");
  } else return null;
  for (const seg of segments.slice(1)) {
    if (seg === "*" || seg === "self") break;
    const module = modules.get(at);
    if (module?.children.has(seg)) {
      at = join2(at, seg);
      continue;
    }
    const via = exported.get(at)?.get(seg);
    if (via) at = via;
    break;
  }
  return at;
}

function checkCrate(dir) {
  const root = existsSync(join(dir, "src/lib.rs")) ? join(dir, "src/lib.rs") : join(dir, "src/main.rs");
  if (!existsSync(root)) return { edges: [], cycles: [] };
  const modules = moduleTree(root);
  const exported = new Map([...modules.keys()].map((p) => [p, reexports(modules, p)]));
  // parent -> (child -> set of children it points to)
  const levels = new Map();
  const edges = new Set();
  for (const [from, { code }] of modules) {
    const paths = [];
    for (const [, tree] of code.matchAll(/\buse ((?:crate|super|self)::[^;]*);/g)) paths.push(...expand(tree));
    for (const [, path] of code.matchAll(/(?<![\w:])((?:crate|super|self)(?:::super)*::\w+)::/g)) paths.push(path);
    for (const path of paths) {
      const to = resolve(modules, exported, from, path);
      if (to === null || to === from) continue;
      const a = from ? from.split("::") : [];
      const b = to ? to.split("::") : [];
      let common = 0;
      while (common < a.length && common < b.length && a[common] === b[common]) common++;
      if (common === a.length || common === b.length) continue; // an ancestor or a descendant
      const parent = a.slice(0, common).join("::");
      const [x, y] = [a[common], b[common]];
      if (!levels.has(parent)) levels.set(parent, new Map());
      const level = levels.get(parent);
      if (!level.has(x)) level.set(x, new Set());
      level.get(x).add(y);
      edges.add(`${join2(parent, x)} -> ${join2(parent, y)}`);
    }
  }
  const cycles = new Set();
  for (const [parent, graph] of levels) {
    const visit = (node, path) => {
      for (const next of graph.get(node) ?? []) {
        if (path.includes(next)) {
          // One rotation per cycle: it starts at its smallest module.
          const ring = path.slice(path.indexOf(next));
          const start = ring.indexOf([...ring].sort()[0]);
          const cycle = [...ring.slice(start), ...ring.slice(0, start), ring[start]].map((m) => join2(parent, m));
          cycles.add(cycle.join(" -> "));
        } else visit(next, [...path, next]);
      }
    };
    for (const m of graph.keys()) visit(m, [m]);
  }
  return { edges: [...edges].sort(), cycles: [...cycles] };
}

const crates = process.argv.length > 2 ? process.argv.slice(2) : members();
let failed = false;
for (const dir of crates) {
  const { edges, cycles } = checkCrate(dir);
  if (cycles.length) {
    failed = true;
    console.error(`${dir}: import circles:\n  ${cycles.join("\n  ")}`);
  } else {
    console.log(`${dir}: no import circle (${edges.length} edges between sibling modules)`);
  }
  if (process.env.VERBOSE) for (const e of edges) console.log(`  ${e}`);
}
process.exit(failed ? 1 : 0);
