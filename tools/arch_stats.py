#!/usr/bin/env python
"""The structure figures of issue 19, before and after: module sizes, exported cells, imports.

  python tools/arch_stats.py            # a table, from the working tree
  python tools/arch_stats.py --json     # the same as JSON

Modules: every `cfx/**/*.py` but `_modidx.py`. Exported cells: code cells of `nbs/*.ipynb` whose first line is
`#| export` (or `#| exporti`), lines counted without the directive. "Followed by an example": the next code cell
is not exported. "Visible output": that next cell has stored outputs. Imports of cfx modules are read with `ast`:
module-level ones make the graph whose cycles are listed (function-level ones are counted, and drawn too, as a lazy
import still is a dependency); an upward import goes from a lower layer to a higher one (LAYERS, by the first
part of the module name after `cfx.`); a private name crossing modules is `from cfx.x import _y` outside `cfx.x`.
"""
import ast, json, statistics, sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# the layers, bottom to top (ARCHITECTURE.md): a part may import only parts of its own or a lower layer
LAYERS = {"_compat": 0, "core": 0, "engine": 1, "data": 2, "metrics": 3, "stats": 3, "viz": 4, "zoo": 5,
          "methods": 6, "svce": 6, "fido": 6, "disc": 6, "latent_attack": 6, "contrastive": 6,
          "train": 7, "scale": 8, "cli": 9, "explain_cli": 9, "__main__": 9, "__init__": 10}


def modules():
    return sorted(p for p in (ROOT / "cfx").rglob("*.py") if p.name != "_modidx.py")


def modname(p: Path) -> str:
    parts = list(p.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__" and len(parts) > 1: parts = parts[:-1]
    return ".".join(parts)


def layer(mod: str) -> int:
    parts = mod.split(".")
    if len(parts) == 1: return LAYERS["__init__"]
    return LAYERS.get(parts[1], LAYERS.get(parts[-1], -1))


def resolve(mod: str, node: ast.ImportFrom, is_pkg: bool) -> list:
    "The cfx modules an import names (relative or absolute)."
    if node.level:
        base = mod.split(".") if is_pkg else mod.split(".")[:-1]
        base = base[:len(base) - (node.level - 1)]
        target = ".".join(base + ([node.module] if node.module else []))
    else: target = node.module or ""
    if not target.startswith("cfx"): return []
    if node.module is None or target == "cfx": return [f"{target}.{a.name}" for a in node.names]
    return [target]


def imports():
    edges, lazy, private = defaultdict(set), defaultdict(set), []
    known = {modname(p) for p in modules()}
    for p in modules():
        mod, tree = modname(p), ast.parse(p.read_text())
        top = {id(n) for n in tree.body} | {id(n) for t in tree.body if isinstance(t, (ast.If, ast.Try)) for n in ast.walk(t)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                ts = [a.name for a in node.names if a.name.startswith("cfx")]
            elif isinstance(node, ast.ImportFrom):
                ts = resolve(mod, node, p.name == "__init__.py")
                for t in ts:
                    for a in node.names:
                        if a.name.startswith("_") and not a.name.startswith("__") and t != mod: private.append((mod, t, a.name))
            else: continue
            for t in ts:
                while t not in known and "." in t: t = t.rsplit(".", 1)[0]
                if t == mod or t not in known: continue
                (edges if id(node) in top else lazy)[mod].add(t)
    return edges, lazy, private


def cycles(edges):
    "Strongly connected components with more than one module (Tarjan)."
    index, low, stack, on, out, n = {}, {}, [], set(), [], [0]
    def visit(v):
        index[v] = low[v] = n[0]; n[0] += 1; stack.append(v); on.add(v)
        for w in edges.get(v, ()):
            if w not in index: visit(w); low[v] = min(low[v], low[w])
            elif w in on: low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop(); on.discard(w); comp.append(w)
                if w == v: break
            if len(comp) > 1: out.append(sorted(comp))
    sys.setrecursionlimit(10000)
    for v in list(edges):
        if v not in index: visit(v)
    return out


def cells():
    sizes, followed, shown = [], 0, 0
    for nb in sorted((ROOT / "nbs").glob("*.ipynb")):
        cs = [c for c in json.loads(nb.read_text())["cells"] if c["cell_type"] == "code"]
        for i, c in enumerate(cs):
            src = "".join(c["source"]).strip().splitlines()
            if not src or src[0].replace(" ", "") not in ("#|export", "#|exporti"): continue
            sizes.append(len([l for l in src[1:] if l.strip()]))
            nxt = cs[i + 1] if i + 1 < len(cs) else None
            if nxt and not "".join(nxt["source"]).lstrip().startswith(("#| export", "#|export", "#| exporti")):
                followed += 1; shown += bool(nxt.get("outputs"))
    return sizes, followed, shown


def stats():
    sizes = {modname(p): len(p.read_text().splitlines()) for p in modules()}
    edges, lazy, private = imports()
    both = defaultdict(set)
    for d in (edges, lazy):
        for k, v in d.items(): both[k] |= v
    up = sorted({(a, b) for a, bs in both.items() for b in bs if layer(b) > layer(a) and layer(a) < LAYERS["__init__"]})
    cs, followed, shown = cells()
    return dict(modules=len(sizes), lines=sum(sizes.values()), largest=sorted(sizes.items(), key=lambda kv: -kv[1])[:5],
                over_600=sorted(k for k, v in sizes.items() if v > 600),
                exported_cells=len(cs), median_cell=statistics.median(cs), largest_cell=max(cs),
                cells_over_40=sum(s > 40 for s in cs), followed_by_example=round(followed / len(cs), 2),
                followed_by_output=round(shown / len(cs), 2),
                cycles=cycles(edges), cycles_with_lazy=cycles(both), function_level_imports=sum(len(v) for v in lazy.values()),
                upward=[f"{a} -> {b}" for a, b in up], private_across=sorted({f"{a} <- {t}.{n}" for a, t, n in private}))


if __name__ == "__main__":
    s = stats()
    if "--json" in sys.argv: print(json.dumps(s, indent=1)); sys.exit()
    for k, v in s.items(): print(f"{k:>22}: {v}")
