"""The documentation site, checked in a real browser.

Renders the site with nbdev_docs and the offline Quarto stand-in (tools/quarto) unless `_docs/` is newer than
every notebook and the site config, then opens `index.html` and every module page in headless Debian Chromium,
driven over the Chrome DevTools Protocol on a pipe (`--remote-debugging-pipe`: no extra Python package, no
network port). From the live DOM it asserts that each page has its title, the API entry of every exported
function and class of its module (a heading plus a signature), that its figures loaded (naturalWidth > 0)
and that every local link, image, stylesheet and script points at a file that exists. The site must read right
offline: nothing is loaded from outside the site (maths is rendered at build time with KaTeX, its fonts local),
code, signatures and parameter tables wrap instead of overflowing, each notebook is one page (under the name nbdev's
links use), no link goes to the configured site-url (an invented domain), and no page refers to files outside the
repository. Each page shows its own formulas (KaTeX's TeX annotation of each is in that page's notebook, and each
formula of the notebook is on the page); every link of the site into the site is relative and resolves to a file
and, with a #fragment, to an element with that id (search.json's entries too); nothing of the built site names the
invented host. The README's links resolve in the repository (as they do on GitHub).

Screenshots go to artifacts/screenshots/ (gitignored) for a person to look at.
Skipped only when chromium is missing outside CI; in CI (CI=true) a missing browser is a failure.
"""
import ast, base64, fcntl, json, os, posixpath, re, select, shutil, subprocess, sys, tempfile, time
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "_docs"
NBS = ROOT / "nbs"
SHOTS = ROOT / "artifacts" / "screenshots"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
# a value that is only in the top-level _quarto.yml (page-footer), proving the build reads that file
SITE_MARK = "cfx — one API, one engine, five counterfactual methods"

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-default-apps",
                  "--disable-extensions", "--mute-audio", "--no-default-browser-check", "--metrics-recording-only",
                  "--disable-domain-reliability", "--disable-client-side-phishing-detection",
                  "--disable-features=Translate,MediaRouter,OptimizationHints", "--window-size=1280,900"]


def find_chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        p = shutil.which(name)
        if p: return p
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


# ---------------------------------------------------------------- the site

def _sources():
    return [*NBS.glob("*.ipynb"), ROOT / "_quarto.yml", ROOT / "settings.ini"]

def docs_fresh() -> bool:
    idx = DOCS / "index.html"
    return idx.exists() and idx.stat().st_mtime >= max(p.stat().st_mtime for p in _sources() if p.exists())

def build_docs():
    env = {**os.environ, "PATH": f"{ROOT / 'tools'}{os.pathsep}{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    r = subprocess.run(["nbdev_docs"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800)
    assert r.returncode == 0, f"nbdev_docs failed (rc={r.returncode}):\n{r.stdout[-3000:]}\n{r.stderr[-6000:]}"


def module_pages() -> dict[str, dict]:
    "page file -> {module, names}: every module in cfx/_modidx.py, with its exported functions and classes."
    ns = {}
    exec((ROOT / "cfx" / "_modidx.py").read_text(), ns)
    pages = {}
    for mod, syms in ns["d"]["syms"].items():
        src = ROOT / (mod.replace(".", "/") + ".py")
        all_ = set()
        if src.exists():
            for node in ast.parse(src.read_text()).body:
                if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "__all__" for t in node.targets):
                    all_ = set(ast.literal_eval(node.value))
        names, page = set(), None
        for full, (url, _) in syms.items():
            page = page or url.split("#")[0]
            rest = full[len(mod) + 1:]
            if "." not in rest and not rest.startswith("_") and rest in all_: names.add(rest)
        if page: pages[page] = {"module": mod, "names": sorted(names)}
    return pages


def nb_for_page(page: str) -> Path | None:
    for nb in NBS.glob("*.ipynb"):
        if re.sub(r"^\d+[a-z]?_", "", nb.stem) + ".html" == page: return nb
    return None

def nb_title(nb: Path) -> str:
    for c in json.loads(nb.read_text())["cells"]:
        if c["cell_type"] == "markdown":
            m = re.match(r"#\s+(.+)", "".join(c["source"]).strip())
            if m: return m.group(1).strip()
    return nb.stem

def nb_image_count(nb: Path) -> int:
    "Stored picture outputs of cells the docs show (not #| hide)."
    n = 0
    for c in json.loads(nb.read_text())["cells"]:
        src = "".join(c.get("source", []))
        if c["cell_type"] != "code" or re.search(r"^#\|\s*(hide|include:\s*false|output:\s*false)", src, re.M): continue
        n += sum(1 for o in c.get("outputs", []) if any(k.startswith("image/") for k in o.get("data", {})))
    return n


_DISPLAY = r"\$\$(.+?)\$\$|\\\[(.+?)\\\]"
_INLINE = r"(?<![\\$])\$([^$\s][^$]*?(?<!\s))\$(?!\d)|\\\((.+?)\\\)"

def nb_formulas(nb: Path) -> list[str]:
    "The TeX of each formula in the markdown cells of a notebook: $$...$$ / \\[...\\] displays, then $...$ / \\(...\\) inline."
    out = []
    for c in json.loads(nb.read_text())["cells"]:
        if c["cell_type"] != "markdown": continue
        src = re.sub(r"`[^`]*`", "", "".join(c["source"]))          # code spans hold no maths
        out += ["".join(m) for m in re.findall(_DISPLAY, src, re.S)]
        src = re.sub(_DISPLAY, "", src, flags=re.S)
        out += ["".join(m) for m in re.findall(_INLINE, src)]
    return out

def nb_math_count(nb: Path) -> int:
    "How many formulas the markdown cells of a notebook hold."
    return len(nb_formulas(nb))

def tex_norm(tex: str) -> str:
    "TeX as a reader sees it: runs of white space are one space (Markdown re-wraps lines; TeX ignores the difference)."
    return re.sub(r"\s+", " ", tex).strip()

def nb_markdown(nb: Path) -> str:
    "Everything of a notebook that the docs render as Markdown (where its maths can come from): markdown cells and Markdown outputs."
    parts = []
    for c in json.loads(nb.read_text())["cells"]:
        if c["cell_type"] == "markdown": parts.append("".join(c["source"]))
        for o in c.get("outputs", []):
            md = o.get("data", {}).get("text/markdown")
            if md: parts.append("".join(md) if isinstance(md, list) else md)
    return "\n".join(parts)


def site_url_of_settings() -> str:
    "doc_host + doc_baseurl from settings.ini (nbdev's site-url)."
    from configparser import ConfigParser
    c = ConfigParser(delimiters=["="]); c.read(ROOT / "settings.ini")
    return c["DEFAULT"].get("doc_host", "").rstrip("/") + c["DEFAULT"].get("doc_baseurl", "")


# ---------------------------------------------------------------- a minimal CDP client over a pipe

class Browser:
    "Headless Chromium driven over --remote-debugging-pipe (fd 3: commands in, fd 4: replies out)."

    def __init__(self, exe):
        self.profile = tempfile.mkdtemp(prefix="cfx-chromium-")
        to_child_r, self._w = os.pipe()
        self._r, from_child_w = os.pipe()
        def fds():  # in the child: our pipe ends become fds 3 and 4 (moved out of the way first)
            a, b = fcntl.fcntl(to_child_r, fcntl.F_DUPFD, 10), fcntl.fcntl(from_child_w, fcntl.F_DUPFD, 10)
            os.dup2(a, 3); os.dup2(b, 4)  # dup2 clears close-on-exec: these two survive exec, nothing else of ours does
        self.proc = subprocess.Popen([exe, *CHROMIUM_FLAGS, f"--user-data-dir={self.profile}", "--remote-debugging-pipe",
                                      "about:blank"], close_fds=False, preexec_fn=fds,
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_child_r); os.close(from_child_w)
        self._buf, self._id, self.events = b"", 0, []
        tid = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=tid, flatten=True)["sessionId"]
        self.call("Page.enable", session=True)
        self.call("Runtime.enable", session=True)
        self.call("Emulation.setDeviceMetricsOverride", session=True, width=1280, height=900, deviceScaleFactor=1, mobile=False)

    def _read(self, timeout):
        end = time.monotonic() + timeout
        while b"\0" not in self._buf:
            left = end - time.monotonic()
            if left <= 0 or not select.select([self._r], [], [], left)[0]:
                raise TimeoutError("no answer from chromium")
            chunk = os.read(self._r, 1 << 20)
            if not chunk: raise RuntimeError("chromium closed the pipe")
            self._buf += chunk
        msg, self._buf = self._buf.split(b"\0", 1)
        return json.loads(msg)

    def call(self, method, session=False, timeout=60, **params):
        self._id += 1
        msg = {"id": self._id, "method": method, "params": params}
        if session: msg["sessionId"] = self.session
        os.write(self._w, json.dumps(msg).encode() + b"\0")
        while True:
            r = self._read(timeout)
            if r.get("id") == self._id:
                if "error" in r: raise RuntimeError(f"{method}: {r['error']}")
                return r.get("result", {})
            self.events.append(r)

    def wait_event(self, name, timeout=60):
        end = time.monotonic() + timeout
        while True:
            for i, e in enumerate(self.events):
                if e.get("method") == name:
                    return self.events.pop(i)
            self.events.append(self._read(max(0.1, end - time.monotonic())))

    def goto(self, url):
        self.events.clear()
        self.call("Page.navigate", session=True, url=url)
        self.wait_event("Page.loadEventFired")

    def js(self, expr):
        r = self.call("Runtime.evaluate", session=True, expression=expr, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in r: raise RuntimeError(f"JS error: {r['exceptionDetails']}")
        return r["result"].get("value")

    def screenshot(self, path):
        data = self.call("Page.captureScreenshot", session=True, format="png")["data"]
        Path(path).write_bytes(base64.b64decode(data))

    def close(self):
        try: self.call("Browser.close", timeout=5)
        except Exception: pass
        try: self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired: self.proc.kill(); self.proc.wait()
        for fd in (self._r, self._w):
            try: os.close(fd)
            except OSError: pass
        shutil.rmtree(self.profile, ignore_errors=True)


# files of the design notes kept outside the repository: pages cite the papers instead
OUTSIDE_REFS = r"\b(?:methods|anchors|toolchain|review-[\w-]+)\.md\b|ARCHITECTURE\.md|\.\./shared\b|shared/design"
# pages whose notebooks are being rewritten on another branch and still name such files (remove when fixed)
OUTSIDE_REFS_PENDING = set()   # pages whose fix is pending on another branch

PAGE_FACTS = r"""
(async () => {
  const OUTSIDE = new RegExp(String.raw`${OUTSIDE}`, 'g');
  const imgs = [...document.images];
  await Promise.all(imgs.map(i => i.complete ? null : new Promise(r => { i.onload = i.onerror = r; })));
  const heads = [...document.querySelectorAll('h2, h3, h4')].map(h => {
    // the signature shown under an API heading: the first code block before the next heading
    let sig = '', el = h.nextElementSibling;
    while (el && !/^H[1-4]$/.test(el.tagName)) { const p = el.matches('pre') ? el : el.querySelector('pre');
      if (p) { sig = p.innerText; break; } el = el.nextElementSibling; }
    return {text: h.textContent.trim(), id: h.id, sig};
  });
  const urls = [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href'))
    .concat([...document.querySelectorAll('img[src], script[src]')].map(e => e.getAttribute('src')))
    .concat([...document.querySelectorAll('link[href]')].map(e => e.getAttribute('href')));
  return {title: document.title, h1: (document.querySelector('h1') || {}).textContent || '',
          imgs: imgs.map(i => ({src: i.src.slice(0, 80), w: i.naturalWidth, h: i.naturalHeight})),
          heads, urls, text: document.body.innerText.length,
          prose: [...document.querySelectorAll('main p, #quarto-document-content p, p')].filter(p => p.innerText.trim().length > 40).length, footer: document.body.innerText.includes(%s),
          external: [...document.querySelectorAll('script[src], link[rel~="stylesheet"][href], img[src]')]
            .map(e => e.getAttribute('src') || e.getAttribute('href')).filter(u => /^(https?:)?\/\//.test(u)),
          overflow: [...document.querySelectorAll('pre, table')].filter(e => e.offsetParent !== null &&
              (e.scrollWidth > e.clientWidth + 1 || e.getBoundingClientRect().right > (e.closest('main, #quarto-document-content, .content, body') || document.body).getBoundingClientRect().right + 1))
            .map(e => ({tag: e.tagName, text: e.innerText.slice(0, 60), sw: e.scrollWidth, cw: e.clientWidth})),
          katex: [...document.querySelectorAll('.katex')].length,
          katexZero: [...document.querySelectorAll('.katex')].filter(k => !k.getBoundingClientRect().width).length,
          rawMath: [...document.querySelectorAll('span.math')].length,
          outsideRefs: [...new Set(document.body.innerText.match(OUTSIDE) || [])]};
})()
"""


def local_targets(page: Path, urls):
    "The local files the page points at (no scheme, not a pure fragment), as paths."
    out = []
    for u in urls:
        if not u or u.startswith(("#", "data:", "javascript:", "mailto:")) or urlparse(u).scheme or u.startswith("//"): continue
        path = unquote(u.split("#")[0].split("?")[0])
        if not path: continue
        t = (DOCS / path.lstrip("/")) if path.startswith("/") else (page.parent / path)
        out.append((u, t))
    return out


# ---------------------------------------------------------------- the test

@pytest.fixture(scope="module")
def site():
    if not docs_fresh(): build_docs()
    assert (DOCS / "index.html").exists(), "the docs build wrote no _docs/index.html"
    return DOCS

@pytest.fixture(scope="module")
def browser():
    exe = find_chromium()
    if exe is None:
        if IN_CI: pytest.fail("chromium is not installed, and CI must check the docs in a browser (apt-get install chromium)")
        pytest.skip("chromium is not installed (apt-get install chromium); the browser check of the docs is skipped outside CI")
    b = Browser(exe)
    yield b
    b.close()


# what every page of the site holds, read from the live DOM once for the link and maths tests
PAGE_DOM = r"""
(() => ({
  ids: [...document.querySelectorAll('[id]')].map(e => e.id),
  links: [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href')),
  resources: [...document.querySelectorAll('[src]')].map(e => e.getAttribute('src'))
    .concat([...document.querySelectorAll('link[href]')].map(e => e.getAttribute('href')))
    .filter(u => u && !u.startsWith('data:')),
  tex: [...document.querySelectorAll('.katex')].map(k => {
    const a = k.querySelector('annotation[encoding="application/x-tex"]'); return a ? a.textContent : null; }),
  host: [...document.querySelectorAll('*')].flatMap(e => [...e.attributes].filter(a => a.value.includes(HOST))
    .map(a => `<${e.tagName.toLowerCase()} ${a.name}="${a.value.slice(0, 100)}">`)),
  hostText: (document.body.innerText.match(new RegExp('.{0,60}' + HOST.replace(/\./g, '\\.') + '.{0,40}', 'g')) || []).slice(0, 3),
}))()
"""

def invented_host() -> str:
    "The host of the configured site-url (settings.ini doc_host): no site is published there."
    return urlparse(site_url_of_settings()).netloc

@pytest.fixture(scope="module")
def visits(site, browser):
    "Every page loaded once: page name -> its `dom` (PAGE_DOM) and `facts` (PAGE_FACTS), with its screenshots taken."
    SHOTS.mkdir(parents=True, exist_ok=True)
    out = {}
    for f in sorted(site.glob("*.html")):
        browser.goto(f.as_uri())
        dom = browser.js(PAGE_DOM.replace("HOST", json.dumps(invented_host())))
        facts = browser.js(PAGE_FACTS.replace("${OUTSIDE}", OUTSIDE_REFS) % json.dumps(SITE_MARK))
        browser.screenshot(SHOTS / f.name.replace(".html", ".png"))
        if facts["imgs"]:      # a second picture, at the first figure, for the person reading the screenshots
            browser.js("(async () => { (document.querySelector('.cell-output img') || document.images[0])"
                       ".scrollIntoView({block: 'center', behavior: 'instant'});"
                       " await new Promise(r => setTimeout(r, 300)); return 0; })()")
            browser.screenshot(SHOTS / f.name.replace(".html", "-figure.png"))
        out[f.name] = dict(dom=dom, facts=facts)
    return out


@pytest.fixture(scope="module")
def page_dom(visits):
    "page name -> its ids, links, resources, formulas' TeX (KaTeX's annotation) and any mention of the invented host, for every page."
    return {p: v["dom"] for p, v in visits.items()}


def link_target(page: str, url: str):
    "(file relative to the site, fragment) that a link written on `page` points at; None for a link out of the site."
    if not url or url.startswith(("data:", "javascript:", "mailto:")) or urlparse(url).scheme or url.startswith("//"): return None
    path, _, frag = url.partition("#")
    path = unquote(path.split("?")[0])
    if path.startswith("/"): return (path, unquote(frag))   # root-absolute: only resolves on a server at the site root
    target = posixpath.normpath(posixpath.join(posixpath.dirname(page), path)) if path else page
    return (target, unquote(frag))


def test_maths_is_each_pages_own(page_dom):
    "Each page shows its own formulas: every formula's TeX (KaTeX's annotation) is in that page's notebook, and every formula of the notebook is on its page."
    problems, checked = [], {}
    for page, d in page_dom.items():
        nb = NBS / "index.ipynb" if page == "index.html" else nb_for_page(page)
        if nb is None: continue
        if any(t is None for t in d["tex"]): problems.append(f"{page}: a rendered formula carries no TeX annotation")
        shown = [tex_norm(t) for t in d["tex"] if t is not None]
        source, own = tex_norm(nb_markdown(nb)), [tex_norm(t) for t in nb_formulas(nb)]
        for t in shown:
            if t not in source: problems.append(f"{page}: shows a formula that is not in {nb.name}: {t[:90]!r}")
        for t in own:
            if t not in shown: problems.append(f"{page}: does not show {nb.name}'s formula {t[:90]!r}")
        if shown: checked[page] = len(shown)
    print("formulas checked per page:", checked)
    assert not problems, "pages show formulas that are not theirs:\n" + "\n".join(problems)
    missing = {"svce.html", "disc.html", "fido.html", "spaces.html", "latent_attack.html", "contrastive.html"} - set(checked)
    assert not missing, f"pages whose notebooks hold maths show no formula with its TeX: {sorted(missing)}"


def test_internal_links_resolve(site, page_dom):
    "Every link of the site to the site is relative and resolves: to a file in _docs/ and, with a #fragment, to an element with that id."
    problems = []
    def check(page, u, kind, need_id=True):
        t = link_target(page, u)
        if t is None: return
        path, frag = t
        if path.startswith("/"): problems.append(f"{page}: {kind} {u} is root-absolute (offline it points outside the site)"); return
        if path.startswith("..") or not (site / path).is_file(): problems.append(f"{page}: {kind} {u} -> no file {path}"); return
        if frag and need_id and path.endswith(".html"):
            ids = page_dom[path]["ids"] if path in page_dom else re.findall(r'\bid="([^"]+)"', (site / path).read_text())
            if frag not in ids: problems.append(f"{page}: {kind} {u} -> {path} has no element with id {frag!r}")
    n = 0
    for page, d in page_dom.items():
        for u in d["links"]: check(page, u, "link"); n += 1
        for u in d["resources"]: check(page, u, "resource", need_id=False); n += 1
    for e in json.loads((site / "search.json").read_text()):   # the search index's hits, as the search box opens them
        check("index.html", e["href"], f"search.json entry {e.get('section') or e.get('title')!r}:"); n += 1
    print(f"{n} links and resources checked on {len(page_dom)} pages and in search.json")
    assert not problems, f"{len(problems)} broken links:\n" + "\n".join(problems[:60])


def test_no_link_to_the_invented_host(site, page_dom):
    "Nothing of the built site points at the configured doc host (no site is published there): no attribute, no text, no file."
    host = invented_host()
    assert host, "settings.ini has no doc_host"
    problems = []
    for page, d in page_dom.items():
        problems += [f"{page}: {a}" for a in d["host"][:5]]
        problems += [f"{page}: the text shows {s!r}" for s in d["hostText"]]
    for f in sorted(site.rglob("*")):
        if f.is_file() and f.suffix in (".html", ".json", ".xml", ".md", ".txt", ".js", ".css") and host in f.read_text(errors="replace"):
            problems.append(f"{f.relative_to(site)}: names {host} {f.read_text(errors='replace').count(host)} time(s)")
    assert not problems, f"the site points at {host}, where no site exists:\n" + "\n".join(problems[:60])


def test_site_config_is_the_top_level_file(site):
    "nbs/_quarto.yml is a symlink to the top-level file, and nbdev's refresh_quarto_yml (run by every docs build) keeps it."
    r = subprocess.run([sys.executable, "-c", "from nbdev.quarto import refresh_quarto_yml; refresh_quarto_yml()"],
                       cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    link = NBS / "_quarto.yml"
    assert link.is_symlink() and link.resolve() == (ROOT / "_quarto.yml").resolve(), "nbs/_quarto.yml must be a symlink to ../_quarto.yml"
    assert SITE_MARK in (ROOT / "_quarto.yml").read_text()
    assert SITE_MARK in (site / "index.html").read_text(), "the rendered site does not carry the top-level _quarto.yml's footer"


def test_pages_in_browser(site, visits):
    mods = module_pages()
    assert mods, "cfx/_modidx.py lists no modules"
    pages = {"index.html": {"module": None, "names": []}, **mods}
    problems, report = [], []
    for page, info in pages.items():
        f = site / page
        if not f.exists():
            problems.append(f"{page}: not built"); continue
        facts = visits[page]["facts"]
        nb = nb_for_page(page) if page != "index.html" else NBS / "index.ipynb"
        want = nb_title(nb) if nb and nb.exists() else None
        if want and facts["h1"].strip() != want: problems.append(f"{page}: title {facts['h1']!r}, expected {want!r}")
        if not facts["title"]: problems.append(f"{page}: empty <title>")
        if facts["prose"] < 2: problems.append(f"{page}: no prose (fewer than 2 paragraphs of text)")
        if not facts["footer"]: problems.append(f"{page}: the footer from the top-level _quarto.yml is missing")
        heads = {}  # heading text -> every heading with that text (a prose section may share an API name)
        for h in facts["heads"]: heads.setdefault(h["text"], []).append(h)
        sigs = {}
        for name in info["names"]:
            hs = heads.get(name)
            if not hs: problems.append(f"{page}: no API entry (heading) for {info['module']}.{name}"); continue
            sig = next((h["sig"] for h in hs if name in h["sig"]), None)
            if sig is None: problems.append(f"{page}: API entry {name} has no signature under it")
            else: sigs[name] = sig
        if info["names"] and not any("#" in sig for sig in sigs.values()):
            problems.append(f"{page}: no signature shows per-parameter docs (docments comments)")
        bad = [i for i in facts["imgs"] if not i["w"]]
        if bad: problems.append(f"{page}: {len(bad)} image(s) did not load: {[i['src'] for i in bad[:3]]}")
        n_nb = nb_image_count(nb) if nb and nb.exists() else 0
        if n_nb and len(facts["imgs"]) < n_nb:
            problems.append(f"{page}: the notebook stores {n_nb} figure(s), the page shows {len(facts['imgs'])}")
        if facts["external"]: problems.append(f"{page}: loads from outside the site (offline it breaks): {facts['external'][:3]}")
        for o in facts["overflow"]:
            problems.append(f"{page}: a {o['tag'].lower()} is clipped or scrolls sideways ({o['sw']} px in {o['cw']} px): {o['text']!r}")
        n_math = nb_math_count(nb) if nb and nb.exists() else 0
        if facts["rawMath"] or facts["katex"] < n_math or facts["katexZero"]:
            problems.append(f"{page}: maths not rendered: {n_math} formula(s) in the notebook, {facts['katex']} rendered "
                            f"({facts['katexZero']} empty), {facts['rawMath']} left as TeX")
        site_url = site_url_of_settings()
        if any(u.startswith(site_url) for u in facts["urls"] if u): problems.append(f"{page}: links to the invented domain {site_url}")
        if facts["outsideRefs"] and page not in OUTSIDE_REFS_PENDING:
            problems.append(f"{page}: refers to files outside the repository: {facts['outsideRefs']} (cite the papers instead)")
        elif facts["outsideRefs"]: print(f"pending (another branch): {page} refers to {facts['outsideRefs']}")
        for u, t in local_targets(f, facts["urls"]):
            if not t.exists(): problems.append(f"{page}: local link {u} -> missing {t.relative_to(site) if site in t.parents else t}")
        report.append(f"{page}: h1={facts['h1']!r} api={len(info['names'])} imgs={len(facts['imgs'])} paragraphs={facts['prose']}")
    print("\n".join(report))
    assert not problems, "docs problems:\n" + "\n".join(problems)


def test_one_page_per_notebook(site):
    "Each notebook is one page, under the name nbdev's links and cfx/_modidx.py use (00_core.ipynb -> core.html)."
    pages = {p.name for p in site.glob("*.html")}
    for nb in NBS.glob("*.ipynb"):
        short = re.sub(r"^\d+[a-z]?_", "", nb.stem) + ".html"
        assert short in pages, f"{nb.name}: no page {short}"
        if short != nb.stem + ".html": assert nb.stem + ".html" not in pages, f"{nb.name} is built twice: {nb.stem}.html and {short}"
    assert len(pages) == len(list(NBS.glob("*.ipynb"))), f"pages without a notebook: {sorted(pages)}"
    for f in [*site.glob("*.html"), site / "search.json", site / "sitemap.xml"]:
        if not f.exists(): continue
        stale = re.findall(r"(?<![\w./-])\d+[a-z]?_\w+\.html", f.read_text())
        assert not stale, f"{f.name} links to pages that are not built: {sorted(set(stale))[:5]}"


def test_readme_links_resolve(site):
    "README.md links work on GitHub and in a clone: relative links name files of the repository; none to the invented site-url."
    text = (ROOT / "README.md").read_text()
    url = site_url_of_settings()
    assert url not in text, f"README.md links to {url}, a domain that does not exist"
    bad = []
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if "://" in target or target.startswith(("#", "mailto:")): continue
        if not (ROOT / target.split("#")[0]).exists(): bad.append(target)
    assert not bad, f"README.md links to files that do not exist: {bad}"
