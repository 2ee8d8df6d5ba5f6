"""The Python half of `tools/quarto`: answer the Quarto calls nbdev 2 makes, with smalldocs.

nbdev 2 calls Quarto three ways, always from inside `_proc/` (its processed copy of `nbs/`):

    quarto render --no-cache                                  # nbdev_docs: the whole site
    quarto render _proc/index.ipynb -o README.md -t gfm --no-execute   # nbdev_readme
    quarto preview [--port N] [--host H] [--no-browser]       # nbdev_preview

smalldocs builds the site from the same `_quarto.yml` (plus nbdev's `nbdev.yml`/`sidebar.yml` metadata
files) and the stored outputs of the processed notebooks. Two things it does not do that Quarto does are
done here: honour nbdev's `output-file` front matter (nbdev links `00_core.ipynb` as `core.html`), which is
done by copying each page to that name as well, and render a notebook to GitHub Markdown, which uses
smalldocs' nbconvert-style Markdown writer (the one behind `llms-txt`).
"""

import argparse
import json
import shutil
import sys
from pathlib import Path, PurePosixPath

VERSION = "1.6.0-smalldocs-standin"


def _copy_output_files(site) -> list[str]:
    "Copy each page that has an `output-file` in its front matter to that name, beside it; return the names."
    done = []
    for page in site.pages.values():
        name = page.front.get("output-file") or page.meta.get("output-file")
        if not name or str(name) == page.out.name:
            continue
        src = site.out / page.out
        dest = site.out / page.out.parent / str(name)
        if src.is_file():
            shutil.copyfile(src, dest)
            done.append(str(PurePosixPath(page.out.parent) / str(name)))
    return done


def _patch_build():
    "Make every smalldocs build (render and each preview rebuild) also write the `output-file` copies."
    from smalldocs import site as sd_site

    if getattr(sd_site.Site.build, "_cfx_patched", False):
        return
    orig = sd_site.Site.build

    def build(self):
        n = orig(self)
        self.output_file_copies = _copy_output_files(self)
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
    copies = getattr(site, "output_file_copies", [])
    for w in site.warnings:
        # handled here: output-file (the copies), and links to those copies, which exist once copied
        if w.endswith("output-file is not read by smalldocs"):
            continue
        if " broken link " in w and w.split(" broken link ", 1)[1].split("#")[0] in copies:
            continue
        print(f"warning: {w}", file=sys.stderr)
    print(f"tools/quarto (smalldocs): {len(site.pages)} page(s) in {site.out}; {len(copies)} copied to their output-file name",
          file=sys.stderr)
    return 0


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
