"""The Python half of `tools/quarto`: answer the Quarto calls nbdev 2 makes, with smalldocs.

nbdev 2 calls Quarto three ways, always from inside `_proc/` (its processed copy of `nbs/`):

    quarto render --no-cache                                  # nbdev_docs: the whole site
    quarto render _proc/index.ipynb -o README.md -t gfm --no-execute   # nbdev_readme
    quarto preview [--port N] [--host H] [--no-browser]       # nbdev_preview

smalldocs builds the site from the same `_quarto.yml` (plus nbdev's `nbdev.yml`/`sidebar.yml` metadata
files) and the stored outputs of the processed notebooks. What it does not do the way the site needs is done here,
after each build, so that the site reads right offline:

- **one page per notebook**: nbdev's `output-file` front matter names the page (`00_core.ipynb` -> `core.html`, the
  name nbdev's links and `_modidx.py` use); each page is renamed to it, and every link, the search index and the
  sitemap are rewritten to the new name;
- **maths without a CDN**: TeX is rendered to HTML at build time by KaTeX (the npm package `katex`, which
  `tools/setup` installs into `.venv/node`; run by `node tools/katex_render.js`), and KaTeX's stylesheet and fonts
  are copied into `site_libs/katex/`; the reader's browser loads nothing from outside the site;
- **no invented domain**: links to the configured `site-url` (settings.ini `doc_host`) become relative links.

`render_gfm` writes the README: a notebook rendered to GitHub Markdown with smalldocs' nbconvert-style writer (the
one behind `llms-txt`); links to pages of the site become links to their notebooks in `nbs/` (which resolve on
GitHub and in a clone), and links to the site-url lose their link (the text stays).
"""

import argparse
import html
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path, PurePosixPath

ROOT = Path(__file__).resolve().parents[1]

VERSION = "1.6.0-smalldocs-standin"


def _rename_to_output_files(site) -> dict[str, str]:
    "Rename each page that has an `output-file` in its front matter to that name; return {old name: new name}."
    done = {}
    for page in site.pages.values():
        name = page.front.get("output-file") or page.meta.get("output-file")
        if not name or str(name) == page.out.name:
            continue
        src = site.out / page.out
        dest = site.out / page.out.parent / str(name)
        if src.is_file():
            shutil.move(src, dest)
            done[str(PurePosixPath(page.out))] = str(PurePosixPath(page.out.parent) / str(name))
    return done


def _site_url() -> str | None:
    "The site-url nbdev writes into nbdev.yml (from settings.ini doc_host + doc_baseurl)."
    f = Path("nbdev.yml")
    m = re.search(r"^\s*site-url:\s*['\"]?([^'\"\s]+)", f.read_text(), re.M) if f.exists() else None
    return m.group(1).rstrip("/") if m else None


def _rewrite_links(out: Path, renamed: dict[str, str], site_url: str | None):
    "Point every link, the search index and the sitemap at the renamed pages; make site-url links relative."
    pats = [(re.compile(r"(?<![\w./-])" + re.escape(Path(a).name) + r"(?=[#\"'?)\s]|$)"), Path(b).name) for a, b in renamed.items()]
    for f in [*out.rglob("*.html"), out / "search.json", out / "sitemap.xml"]:
        if not f.is_file() or "site_libs" in f.parts:
            continue
        text = t0 = f.read_text(encoding="utf-8")
        for pat, new in pats:
            text = pat.sub(new, text)
        if site_url and f.suffix == ".html":
            text = text.replace(f'href="{site_url}/', 'href="')
        if text != t0:
            f.write_text(text, encoding="utf-8")


_MATH = re.compile(r'<span class="math (inline|display)">(.*?)</span>', re.S)
_KATEX_CDN = re.compile(r'\s*<(?:link|script)[^>]*cdn\.jsdelivr\.net/npm/katex[^>]*>(?:</script>)?')


def _katex_dir() -> Path | None:
    for d in (os.environ.get("CFX_KATEX"), ROOT / ".venv" / "node" / "node_modules" / "katex"):
        if d and (Path(d) / "dist" / "katex.min.css").is_file():
            return Path(d)
    return None


def _render_maths(out: Path) -> int:
    "Render every TeX span of the site with KaTeX at build time; link KaTeX's CSS and fonts from site_libs/katex/."
    pages = {f: f.read_text(encoding="utf-8") for f in out.rglob("*.html") if "site_libs" not in f.parts}
    found = [(f, m) for f, t in pages.items() for m in _MATH.finditer(t)]
    for f, t in pages.items():  # the CDN tags go in any case: the site must not load from outside
        if _KATEX_CDN.search(t):
            pages[f] = _KATEX_CDN.sub("", t)
    katex, node = _katex_dir(), shutil.which("node")
    if found and (katex is None or node is None):
        print("warning: maths left as TeX: KaTeX needs node and the npm package katex (bash tools/setup installs both)", file=sys.stderr)
    elif found:
        def tex(m):
            t = html.unescape(m.group(2)).strip()
            return t[2:-2] if t[:2] in ("\\(", "\\[") else t
        items = [[tex(m), m.group(1) == "display"] for _, m in found]
        r = subprocess.run([node, str(ROOT / "tools" / "katex_render.js"), str(katex)], input=json.dumps(items),
                           capture_output=True, text=True, check=True)
        rendered = iter(json.loads(r.stdout))
        for f in {f for f, _ in found}:
            def sub(m):
                h = next(rendered)
                if isinstance(h, dict):
                    print(f"warning: {f.name}: KaTeX cannot render {m.group(2)[:60]!r}: {h['error']}", file=sys.stderr)
                    return m.group(0)
                return h
            text = _MATH.sub(sub, pages[f])
            depth = len(f.relative_to(out).parts) - 1
            css = f'<link rel="stylesheet" href="{"../" * depth}site_libs/katex/katex.min.css">'
            pages[f] = text.replace("</head>", f"{css}\n</head>", 1)
        dest = out / "site_libs" / "katex"
        shutil.rmtree(dest, ignore_errors=True)
        shutil.copytree(katex / "dist" / "fonts", dest / "fonts")
        shutil.copy2(katex / "dist" / "katex.min.css", dest / "katex.min.css")
    for f, t in pages.items():
        f.write_text(t, encoding="utf-8")
    return len(found)


def _postprocess(site) -> dict:
    "Everything the site needs after smalldocs' build (see the module docstring)."
    renamed = _rename_to_output_files(site)
    _rewrite_links(site.out, renamed, _site_url())
    return {"renamed": renamed, "maths": _render_maths(site.out)}


def _patch_build():
    "Make every smalldocs build (render and each preview rebuild) also do `_postprocess`."
    from smalldocs import site as sd_site

    if getattr(sd_site.Site.build, "_cfx_patched", False):
        return
    orig = sd_site.Site.build

    def build(self):
        n = orig(self)
        self.cfx_post = _postprocess(self)
        return n

    build._cfx_patched = True
    sd_site.Site.build = build


def render_site(quiet: bool = False) -> int:
    "Build the whole site in the current folder into its `output-dir`."
    from smalldocs.site import build

    from smalldocs.config import load

    _patch_build()
    # nbdev_readme renders README.md into the output-dir and leaves `index_files/` there; Quarto writes over it,
    # smalldocs refuses a non-empty folder that is not a built site. Clear such leftovers inside the project.
    out = load(".").output
    root = Path(".").resolve()
    if out.is_dir() and root in out.parents and not (out / "site_libs").is_dir():
        left = list(out.iterdir())
        if all((p.is_dir() and p.name.endswith("_files")) or p.suffix == ".md" for p in left):
            shutil.rmtree(out)
    site = build(".", quiet=quiet)
    post = getattr(site, "cfx_post", {"renamed": {}, "maths": 0})
    renamed = post["renamed"]
    for w in site.warnings:
        # handled here: output-file (the pages are renamed), and links to the new names, which exist once renamed
        if w.endswith("output-file is not read by smalldocs"):
            continue
        if " broken link " in w and w.split(" broken link ", 1)[1].split("#")[0] in renamed.values():
            continue
        print(f"warning: {w}", file=sys.stderr)
    print(f"tools/quarto (smalldocs): {len(site.pages)} page(s) in {site.out}; {len(renamed)} renamed to their output-file name; "
          f"{post['maths']} formula(s) rendered with KaTeX", file=sys.stderr)
    return 0


_LINK = re.compile(r"(?<!!)\[([^\]]+)\]\(([^)\s]+)\)")


def readme_links(md: str, site_url: str | None, notebooks: list[str]) -> str:
    "README links that resolve on GitHub: site pages -> their notebooks in nbs/; site-url links -> their text only."
    by_page = {}
    for nb in notebooks:
        by_page[nb] = by_page[Path(nb).stem + ".html"] = by_page[re.sub(r"^\d+[a-z]?_", "", Path(nb).stem) + ".html"] = nb

    def repl(m):
        text, url = m.group(1), m.group(2)
        if site_url and (url == site_url or url.startswith(site_url + "/")):
            return text
        if "://" in url or url.startswith(("#", "mailto:")):
            return m.group(0)
        nb = by_page.get(url.split("#")[0])
        return f"[{text}](nbs/{nb})" if nb else m.group(0)
    return _LINK.sub(repl, md)


def render_gfm(nb: str, out_name: str) -> int:
    "Render one notebook to GitHub Markdown in the project's output-dir, with its pictures in `<stem>_files/`."
    from smalldocs import llms
    from smalldocs.config import load
    from smalldocs.notebook import to_markdown

    src = Path(nb)
    text = src.read_text(encoding="utf-8-sig")
    front, _ = to_markdown(text)
    proj = load(".")
    out_dir = proj.output
    out_dir.mkdir(parents=True, exist_ok=True)
    prose = llms.Prose(lambda href: href, {})
    body, files = llms.notebook(text, {}, src.stem, prose, lambda s: s)
    title = str(front.get("title") or "")
    desc = front.get("description")
    head = [f"# {title}"] if title else []
    if isinstance(desc, str) and desc.strip():
        head.append(f"> {desc.strip()}")
    md = "\n\n".join([*head, body.strip()]) + "\n"
    md = readme_links(md, _site_url(), sorted(p.name for p in src.parent.glob("*.ipynb")))
    (out_dir / out_name).write_text(md, encoding="utf-8")
    folder = out_dir / f"{src.stem}_files"
    if folder.exists():
        shutil.rmtree(folder)
    for rel, data in files.items():
        dest = out_dir / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(data)
    print(f"tools/quarto (smalldocs): wrote {out_dir / out_name} and {len(files)} picture(s)", file=sys.stderr)
    return 0


def preview(port: int | None, host: str | None, no_browser: bool) -> int:
    "Serve the site and rebuild on change."
    from smalldocs.serve import preview as sd_preview

    _patch_build()
    return sd_preview(Path("."), host=host or "127.0.0.1", port=port or 4200, open_browser=not no_browser)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(__doc__)
        return 0
    if argv[0] in ("--version", "-v", "version"):
        print(VERSION)
        return 0
    cmd, rest = argv[0], argv[1:]
    if cmd == "render":
        p = argparse.ArgumentParser(prog="quarto render")
        p.add_argument("input", nargs="?")
        p.add_argument("-o", "--output")
        p.add_argument("-t", "--to")
        p.add_argument("--no-cache", action="store_true")
        p.add_argument("--no-execute", action="store_true")
        p.add_argument("--execute", action="store_true")
        p.add_argument("--quiet", action="store_true")
        a, unknown = p.parse_known_args(rest)
        if unknown:
            print(f"tools/quarto: ignoring options {unknown}", file=sys.stderr)
        if a.to and a.to not in ("html", "gfm", "commonmark", "markdown"):
            print(f"tools/quarto: format {a.to!r} is not supported by the smalldocs stand-in (html, gfm)", file=sys.stderr)
            return 2
        if a.input and a.input.endswith(".ipynb") and a.to in ("gfm", "commonmark", "markdown"):
            return render_gfm(a.input, a.output or Path(a.input).with_suffix(".md").name)
        if a.input and Path(a.input).is_file():
            print("tools/quarto: rendering the whole site (smalldocs builds projects, not single pages)", file=sys.stderr)
        return render_site(quiet=a.quiet)
    if cmd == "preview":
        p = argparse.ArgumentParser(prog="quarto preview")
        p.add_argument("input", nargs="?")
        p.add_argument("--port", type=int)
        p.add_argument("--host")
        p.add_argument("--no-browser", action="store_true")
        a, _ = p.parse_known_args(rest)
        return preview(a.port, a.host, a.no_browser)
    if cmd == "check":
        print(VERSION)
        return 0
    print(f"tools/quarto: the smalldocs stand-in answers `render` and `preview`, not {cmd!r}; install Quarto for more",
          file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
