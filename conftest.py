"""Root pytest configuration for cfx: nbval on nbdev-cleaned notebooks.

`nbdev_clean` sets every `execution_count` to null. nbval treats such a cell as "unrun" and fails it when it
has stored outputs ("Unrun reference cell has outputs"), even under `--nbval-lax`. The hook below gives
every code cell of a collected notebook a count back, so nbval runs each cell and compares its outputs
with the stored ones (sanitised with tests/nbval_sanitize.cfg).

Cells marked `#| slow` (settings.ini `tst_flags = slow`) are skipped by nbdev_test unless `--flags slow`; nbval
skips them too unless CFX_SLOW=1, so both runners execute the same cells.

`nbdev_docs` leaves processed copies of the notebooks in `_proc/` and the site in `_docs/`: never collect them.

Printed figures are compared as figures, not as characters (`printed_equal`, below): a stored output and the live one
match when they are the same text once every number is taken out and runs of white space are made one, every integer is
the same, and every decimal number agrees within a relative 2 % (or 1e-6 absolute). A figure printed with its standard
error, `v ± se`, may also move by up to its standard error (the larger of the two printed), and the standard error
itself by 25 % (an estimate of a standard error from n samples is itself uncertain by about 1/sqrt(2n)). Optimisation
runs on another CPU's vector unit (`ATEN_CPU_CAPABILITY=default|avx2|avx512`) or with another thread count sum in
another order and move the last printed digits (`0.0992` against `0.0996`, a residual of `1.2e-07` against `8.9e-08`),
or flip a sample that sits on a decision boundary (a validity of 0.344 ± 0.084 against 0.312 ± 0.082 over 32 images):
neither says anything about cfx. A count, a class, a word, or a figure that moves by more than that still fails the
cell. One mechanism for every notebook and the README (its figures are the index notebook's stored outputs): no list
of exempt cells.
"""
import os, re

import pytest

_SLOW = re.compile(r"^\s*#\|\s*slow\s*$", re.M)
_NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?(?!\w|\.\d)")
RTOL, ATOL = 0.02, 1e-6    # how far two printed decimal numbers may be apart and still be the same figure


_PM = re.compile(r"\s*±\s*")
SE_RTOL = 0.25             # how far a printed standard error may move


def _figures(s: str) -> tuple[str, list[str], set[int]]:
    "The text with each number replaced by `#` and white space made single; the numbers in order; which are `± se`."
    nums, se = [], set()
    for m in _NUMBER.finditer(s):
        if nums and _PM.fullmatch(s[prev_end:m.start()]): se.add(len(nums))
        nums.append(m.group()); prev_end = m.end()
    return " ".join(_NUMBER.sub("#", s).split()), nums, se


def _close(a: str, b: str, rtol: float, atol: float = ATOL) -> bool:
    if a == b: return True
    if not any(c in a + b for c in ".eE"): return False          # integers (counts, classes, indices) must be equal
    u, v = float(a), float(b)
    return abs(u - v) <= atol + rtol * max(abs(u), abs(v))


def printed_equal(a: str, b: str) -> bool:
    "Whether two printed outputs show the same figures (see the module docstring)."
    if a == b: return True
    (ta, na, sa), (tb, nb, sb) = _figures(a), _figures(b)
    if ta != tb or len(na) != len(nb) or sa != sb: return False
    for i, (u, v) in enumerate(zip(na, nb)):
        if i in sa: ok = _close(u, v, SE_RTOL)
        elif i + 1 in sa: ok = _close(u, v, RTOL, ATOL + max(abs(float(na[i + 1])), abs(float(nb[i + 1]))))
        else: ok = _close(u, v, RTOL)
        if not ok: return False
    return True


class _Printed(str):
    "A sanitised output that nbval compares with `printed_equal` instead of `==`."
    def __eq__(self, other): return isinstance(other, str) and printed_equal(str(self), str(other))
    def __ne__(self, other): return not self.__eq__(other)
    __hash__ = str.__hash__


def pytest_configure(config):
    "Make nbval compare printed figures with `printed_equal`."
    try: from nbval.plugin import IPyNbCell
    except ImportError: return
    if getattr(IPyNbCell.sanitize, "_cfx", False): return
    plain = IPyNbCell.sanitize
    def sanitize(self, s):
        out = plain(self, s)
        return _Printed(out) if isinstance(out, str) else out
    sanitize._cfx = True
    IPyNbCell.sanitize = sanitize


collect_ignore_glob = ["_proc/*", "_docs/*", "_proc", "_docs", "build/*", "tmp/*", ".venv/*", "artifacts/*"]


def pytest_collection_modifyitems(session, config, items):
    "Give each nbval cell whose notebook was cleaned an execution count, so its stored outputs are compared."
    counts = {}
    for item in items:
        cell = getattr(item, "cell", None)
        if cell is None or type(item).__name__ != "IPyNbCell":
            continue
        if _SLOW.search(cell.get("source", "")) and os.environ.get("CFX_SLOW", "0") in ("", "0"):
            item.add_marker(pytest.mark.skip(reason="#| slow cell (run with CFX_SLOW=1, as nbdev_test --flags slow)"))
        if cell.get("cell_type") == "code" and cell.get("execution_count") is None:
            key = str(getattr(item, "fspath", item.nodeid.split("::")[0]))
            counts[key] = counts.get(key, 0) + 1
            cell["execution_count"] = counts[key]
