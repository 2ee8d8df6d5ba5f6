"""The Python half of `tools/quarto`: answer the Quarto calls nbdev 2 makes, with smalldocs.

nbdev 2 calls Quarto three ways, always from inside `_proc/` (its processed copy of `nbs/`):

    quarto render --no-cache                                  # nbdev_docs: the whole site
    quarto render _proc/index.ipynb -o README.md -t gfm --no-execute   # nbdev_readme
    quarto preview [--port N] [--host H] [--no-browser]       # nbdev_preview

smalldocs builds the site from the same `_quarto.yml` (plus nbdev's `nbdev.yml`/`sidebar.yml` metadata
files) and the stored outputs of the processed notebooks. What it does not do the way the site needs is done here,
after each build, so that the site reads right offline:

- **one page per notebook**: nbdev's `output-file` front matter names the page (`00_core.ipynb` -> `core.html`, the
  name nbdev's links and `_modidx.py` use); each page is renamed to it, and every link and the search index are
  rewritten to the new name;
- **maths without a CDN**: TeX is rendered to HTML at build time by KaTeX (the npm package `katex`, which
  `tools/setup` installs into `.venv/node`; run by `node tools/katex_render.js`), each formula on the page it comes
  from, and KaTeX's stylesheet and fonts are copied into `site_libs/katex/`; the reader's browser loads nothing from
  outside the site;
- **no invented domain**: the configured `site-url` (settings.ini `doc_host` + `doc_baseurl`) is where the site would
  be published, and nothing is published there. Every link nbdev writes to it (attributes, and the Markdown links it
  leaves in `show_doc` signatures) becomes a link relative to its page; links to names no page shows go to the
  nearest documented name; there is no sitemap (it can only list absolute URLs). Links that still do not resolve
  are reported as warnings.

`render_gfm` writes the README: a notebook rendered to GitHub Markdown with smalldocs' nbconvert-style writer (the
one behind `llms-txt`); links to pages of the site become links to their notebooks in `nbs/` (which resolve on
GitHub and in a clone), and links to the site-url lose their link (the text stays).
"""

import argparse
import html
import json
import os
import posixpath
import re
import shutil
import subprocess
import sys
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

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


def _site_pages(out: Path) -> list[Path]:
    "The site's pages (not the files of site_libs/), in a fixed order."
    return sorted(f for f in out.rglob("*.html") if "site_libs" not in f.relative_to(out).parts)


def _name(out: Path, f: Path) -> str:
    "A file's path from the site root, as links name it."
    return str(PurePosixPath(f.relative_to(out)))


def _rel(out: Path, page: Path, target: str) -> str:
    "A path from the site root (`core.html#x`; '' is the home page), written relative to `page`."
    path, hash_, frag = target.partition("#")
    path = path.lstrip("/") or "index.html"
    return posixpath.relpath(path, posixpath.dirname(_name(out, page)) or ".") + hash_ + frag


def _own_url(site_url: str | None) -> re.Pattern | None:
    "Any spelling of a link into the site at site-url: http, https or scheme-relative, with or without a slash after it."
    if not site_url:
        return None
    u = urlsplit(site_url)
    return re.compile(r"(?:https?:)?//" + re.escape(u.netloc + u.path.rstrip("/")) + r"(?=[/#?]|$)/?")


_ATTR_URL = re.compile(r"""((?<![\w-])(?:href|src)=)(["'])(.*?)\2""", re.S)
_MD_LINK_IN_CODE = re.compile(r"\[`([^`<>\n]+)`\]\(([^()\s<>\"']+)\)")
_PRE = re.compile(r"<pre\b.*?</pre>", re.S)
_A_CODE = re.compile(r'<a href="([^"#]*)#([^"]+)"><code>([^<]+)</code></a>')
_IDS = re.compile(r"""(?<![\w-])id=(["'])(.*?)\1""")


def _ids(out: Path) -> dict[str, set[str]]:
    "page -> the ids of its elements (the targets of #fragments)."
    return {_name(out, f): {html.unescape(m.group(2)) for m in _IDS.finditer(f.read_text(encoding="utf-8"))} for f in _site_pages(out)}


def _rewrite_links(out: Path, renamed: dict[str, str], site_url: str | None) -> int:
    """Point every link and the search index at the renamed pages; make links into the site relative, and resolve.

    nbdev's doclinks write each cross-reference as a full URL under the site-url (`doc_host` + `doc_baseurl` of
    settings.ini), where no site is published; each becomes a link relative to its page: in `href` and `src`
    attributes, and in the signatures of `show_doc`, where nbdev leaves them as Markdown text inside the code
    (``# a [`Classifier`](https://…/core.html#classifier)``) and they become links (`# a Classifier`, linked). The
    search index gets the text a reader sees. nbdev also links names that no page shows (a private function, a
    method without an entry of its own): such a link goes to the nearest documented name above it (`#explainer` for
    `Explainer._search`), or to its page. The sitemap can only list absolute URLs: the offline site has none.
    Returns how many symbol links were moved.
    """
    pats = [(re.compile(r"(?<![\w./-])" + re.escape(Path(a).name) + r"(?=[#\"'?)\s]|$)"), Path(b).name) for a, b in renamed.items()]
    own = _own_url(site_url)
    base = urlsplit(site_url).path.rstrip("/") if site_url else ""
    for f in [*_site_pages(out), out / "search.json"]:  # first the new names, so that the ids are read where links point
        if f.is_file():
            text = t0 = f.read_text(encoding="utf-8")
            for pat, new in pats:
                text = pat.sub(new, text)
            if text != t0:
                f.write_text(text, encoding="utf-8")
    ids, moved = _ids(out), 0

    def local(f: Path, url: str) -> str:  # a link into the site, relative to page f; any other link as it is
        url = url.strip()
        if own is not None and own.match(url):
            return _rel(out, f, own.sub("", url, count=1))
        if base and (url == base or url.startswith((base + "/", base + "#"))):  # root-absolute under the baseurl: /cfx/core.html
            return _rel(out, f, url[len(base):])
        return url

    def documented(f: Path, url: str, name: str) -> str:  # a symbol link, to its name or the nearest one above it that the site shows
        nonlocal moved
        path, _, frag = url.partition("#")
        have = ids.get(posixpath.normpath(posixpath.join(posixpath.dirname(_name(out, f)), unquote(path))) if path else _name(out, f))
        frag, name = unquote(frag), name.removesuffix("()").lower()
        if not frag or have is None or frag in have or not (name == frag or name.endswith("." + frag)):
            return url
        parts = frag.split(".")
        up = next((".".join(parts[:k]) for k in range(len(parts) - 1, 0, -1) if ".".join(parts[:k]) in have), None)
        moved += 1
        return path + ("#" + up if up else "") if path or up else posixpath.basename(_name(out, f))

    for f in _site_pages(out):
        text = t0 = f.read_text(encoding="utf-8")

        def attr(m):
            url = html.unescape(m.group(3))
            new = local(f, url)
            return m.group(0) if new == url.strip() else f"{m.group(1)}{m.group(2)}{html.escape(new)}{m.group(2)}"

        def code_link(m):  # nbdev's link in a signature's text: a link, when it points into the site
            url = html.unescape(m.group(2))
            new = local(f, url)
            if new == url:
                return m.group(0)
            return f'<a href="{html.escape(documented(f, new, html.unescape(m.group(1))))}">{m.group(1)}</a>'

        def sym(m):
            url = html.unescape(m.group(1)) + "#" + html.unescape(m.group(2))
            new = documented(f, url, html.unescape(m.group(3)))
            return m.group(0) if new == url else f'<a href="{html.escape(new)}"><code>{m.group(3)}</code></a>'

        text = _ATTR_URL.sub(attr, text)
        text = _PRE.sub(lambda pre: _MD_LINK_IN_CODE.sub(code_link, pre.group(0)), text)
        text = _A_CODE.sub(sym, text)
        if text != t0:
            f.write_text(text, encoding="utf-8")
    search = out / "search.json"
    if search.is_file() and own is not None:
        entries = json.loads(search.read_text(encoding="utf-8"))
        for e in entries:
            e["text"] = _MD_LINK_IN_CODE.sub(lambda m: m.group(1) if own.match(m.group(2)) else m.group(0), e.get("text", ""))
        search.write_text(json.dumps(entries, ensure_ascii=False), encoding="utf-8")
    if (out / "sitemap.xml").is_file():
        (out / "sitemap.xml").unlink()
    return moved


def _check_links(out: Path, site_url: str | None) -> list[str]:
    "The links and resources of the site's pages that do not resolve in the site, and any that point at the site-url's host."
    ids, bad = _ids(out), []
    host = urlsplit(site_url).netloc if site_url else None
    for f in _site_pages(out):
        here = _name(out, f)
        for m in _ATTR_URL.finditer(f.read_text(encoding="utf-8")):
            url = html.unescape(m.group(3)).strip()
            if host and host in url:
                bad.append(f"{here}: {url[:100]} points at {host}, where no site is published")
            if not url or urlsplit(url).scheme or url.startswith("//"):
                continue
            path, _, frag = url.partition("#")
            path = unquote(path.split("?")[0])
            if path.startswith("/"):
                bad.append(f"{here}: {url} is root-absolute (offline it points outside the site)")
                continue
            t = posixpath.normpath(posixpath.join(posixpath.dirname(here), path)) if path else here
            if t.startswith("..") or not (out / t).exists():
                bad.append(f"{here}: {url}: no file {t}")
            elif frag and t in ids and unquote(frag) not in ids[t]:
                bad.append(f"{here}: {url}: {t} has no id {unquote(frag)!r}")
    return bad


_MATH = re.compile(r'<span class="math (inline|display)">(.*?)</span>', re.S)
_KATEX_CDN = re.compile(r'\s*<(?:link|script)[^>]*cdn\.jsdelivr\.net/npm/katex[^>]*>(?:</script>)?')


def _katex_dir() -> Path | None:
    for d in (os.environ.get("CFX_KATEX"), ROOT / ".venv" / "node" / "node_modules" / "katex"):
        if d and (Path(d) / "dist" / "katex.min.css").is_file():
            return Path(d)
    return None


def _tex(m: re.Match) -> str:
    "The TeX of one maths span, without its \\( \\) or \\[ \\] delimiters."
    t = html.unescape(m.group(2)).strip()
    return t[2:-2] if t[:2] in ("\\(", "\\[") else t


def _render_maths(out: Path) -> int:
    """Render every TeX span of the site with KaTeX at build time; link KaTeX's CSS and fonts from site_libs/katex/.

    All formulas of the site go to one `node` call, page by page in a fixed order, and each rendered formula goes
    back into the page and the place it came from (the spans are replaced by their positions, in the order found).
    KaTeX's output carries the formula's TeX in its MathML (`<annotation encoding="application/x-tex">`).
    """
    pages = {f: f.read_text(encoding="utf-8") for f in _site_pages(out)}
    new = {f: _KATEX_CDN.sub("", t) for f, t in pages.items()}  # the CDN tags go in any case: the site must not load from outside
    found = [(f, m) for f, t in new.items() for m in _MATH.finditer(t)]  # in page order, then in order on the page
    katex, node = _katex_dir(), shutil.which("node")
    if found and (katex is None or node is None):
        print("warning: maths left as TeX: KaTeX needs node and the npm package katex (bash tools/setup installs both)", file=sys.stderr)
    elif found:
        items = [[_tex(m), m.group(1) == "display"] for _, m in found]
        r = subprocess.run([node, str(ROOT / "tools" / "katex_render.js"), str(katex)], input=json.dumps(items),
                           capture_output=True, text=True, check=True)
        rendered = json.loads(r.stdout)
        if len(rendered) != len(items):
            raise RuntimeError(f"katex_render.js answered {len(rendered)} formula(s) for {len(items)}")
        by_page: dict[Path, list] = {}
        for (f, m), h in zip(found, rendered):
            by_page.setdefault(f, []).append((m, h))
        for f, pairs in by_page.items():
            text, parts, pos = new[f], [], 0
            for m, h in pairs:
                if isinstance(h, dict):
                    print(f"warning: {f.name}: KaTeX cannot render {m.group(2)[:60]!r}: {h['error']}", file=sys.stderr)
                    h = m.group(0)
                parts += [text[pos:m.start()], h]
                pos = m.end()
            text = "".join(parts) + text[pos:]
            css = f'<link rel="stylesheet" href="{_rel(out, f, "site_libs/katex/katex.min.css")}">'
            new[f] = text.replace("</head>", f"{css}\n</head>", 1)
        dest = out / "site_libs" / "katex"
        shutil.rmtree(dest, ignore_errors=True)
        shutil.copytree(katex / "dist" / "fonts", dest / "fonts")
        shutil.copy2(katex / "dist" / "katex.min.css", dest / "katex.min.css")
    for f, t in new.items():
        if t != pages[f]:
            f.write_text(t, encoding="utf-8")
    return len(found)


def _postprocess(site) -> dict:
    "Everything the site needs after smalldocs' build (see the module docstring)."
    renamed = _rename_to_output_files(site)
    moved = _rewrite_links(site.out, renamed, _site_url())
    maths = _render_maths(site.out)
    return {"renamed": renamed, "maths": maths, "moved": moved, "broken": _check_links(site.out, _site_url())}


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
    post = getattr(site, "cfx_post", {"renamed": {}, "maths": 0, "moved": 0, "broken": []})
    renamed = post["renamed"]
    for w in site.warnings:
        # handled here: output-file (the pages are renamed), and links to the new names, which exist once renamed
        if w.endswith("output-file is not read by smalldocs"):
            continue
        if " broken link " in w and w.split(" broken link ", 1)[1].split("#")[0] in renamed.values():
            continue
        print(f"warning: {w}", file=sys.stderr)
    for b in post["broken"]:
        print(f"warning: broken link: {b}", file=sys.stderr)
    print(f"tools/quarto (smalldocs): {len(site.pages)} page(s) in {site.out}; {len(renamed)} renamed to their output-file name; "
          f"{post['maths']} formula(s) rendered with KaTeX; {post['moved']} link(s) to names no page shows moved to the nearest "
          f"documented one; {len(post['broken'])} broken link(s)", file=sys.stderr)
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
