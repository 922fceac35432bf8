"""``report.html`` of ``convlab verify --out DIR``: what the page says, ``convlab report DIR``
rebuilds the same page, and the page opened in headless Chromium as a reader would.

One small real run serves every test: the textbook claim and, from a claim file, three
copies of it under another paper (one with a wrong expectation, a FAIL marked as a finding;
one whose band's edge cuts the CI, INCONCLUSIVE; one a control), with ``--power``.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser

import numpy as np
import pytest

from convlab.cli import main
from convlab.html_report import write_html

KEYS = ["textbook", "htmltest"]
FAILS, UNSURE = "htmltest.sgd.fails", "htmltest.sgd.inconclusive"
CONTROL = "htmltest.sgd.control"
FINDING = "Here <b>the rate</b> is -1 & not -2"         # markup in claim text is escaped

CLAIM_FILE = f'''
from dataclasses import replace

from convlab import claims
from convlab.claims import Slope

base = replace(claims.get("textbook.sgd.one_over_t"), paper="HTML test paper (2026)",
               source="")
CLAIMS = [
    replace(base, key="{FAILS}", finding="{FINDING}",
            expect=Slope(-2.0, tol=0.1, why="deliberately wrong: SGD's rate is -1")),
    replace(base, key="{UNSURE}",
            expect=Slope(-1.05, tol=0.05, why="the band's edge -1.0 cuts the CI")),
    replace(base, key="{CONTROL}", rejects=(), control="a copy of the textbook claim"),
]
'''

CHROMIUM = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")
                 if shutil.which(n)), None)
INSTALL = ("needs headless Chromium: `apt-get update && apt-get install -y chromium` "
           "(Debian; .ci/run installs it when run as root)")


def _convlab(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "convlab.cli", *map(str, args)],
                          capture_output=True, text=True, check=False, cwd=cwd)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    """A folder written by ``convlab verify --power --out`` (a claim fails: exit 1)."""
    root = tmp_path_factory.mktemp("html_report")
    claim_file = root / "htmltest_claims.py"
    claim_file.write_text(CLAIM_FILE)
    out = root / "out"
    r = _convlab("verify", "--only", *KEYS, "--claims", claim_file, "--power", "--out", out,
                 "--quiet")
    assert r.returncode == 1, r.stderr                   # FAILS fails
    assert f"the page: {out / 'report.html'}" in r.stdout
    return out, claim_file


class _Page(HTMLParser):
    """The elements the tests look at: verdict rows in order, images, links, scripts."""

    def __init__(self, text):
        super().__init__()
        self.rows, self.imgs, self.hrefs, self.scripts, self.ids = [], [], [], 0, set()
        self._table = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "table":
            self._table = a.get("class")
        elif tag == "tr" and self._table == "verdicts" and a.get("id"):
            self.rows.append((a["id"], a.get("class", "")))
        elif tag == "img":
            self.imgs.append(a)
        elif tag == "a":
            self.hrefs.append(a.get("href", ""))
        elif tag == "script":
            self.scripts += 1
        for k in ("src", "href"):
            if re.match(r"\s*(https?:|//|ftp:)", a.get(k) or ""):
                raise AssertionError(f"the page loads {a[k]!r} from the network")


def _page(out):
    text = (out / "report.html").read_text(encoding="utf-8")
    return text, _Page(text)


# ------------------------------------------------------------------------------------------
# the page's content
# ------------------------------------------------------------------------------------------

def test_verify_out_writes_one_self_contained_page(run_dir):
    out, _ = run_dir
    text, page = _page(out)
    assert page.scripts == 0 and "<link" not in text            # no JavaScript, no styles
    pngs = sorted(out.glob("*.png"))
    assert len(page.imgs) == len(pngs) == 5                      # 4 claims + kill matrix
    for img in page.imgs:
        assert img["src"].startswith("data:image/png;base64,") and int(img["width"]) > 100
    assert all(h.startswith("#") and h[1:] in page.ids for h in page.hrefs)  # in-page links
    summary = re.sub(r"\s+", " ", re.sub("<[^>]+>", "", text.split('id="summary">')[1]
                                         .split("</p>")[0]))
    assert re.search(r"✓ 2 passed · ✗ 1 failed · \? 1 inconclusive · 1 control · 4 claims "
                     r"· seed 0 · size small · \d+\.\d s", summary), summary
    for word in ("Kill matrix", "Provenance", "NumPy", "SciPy", "BLAS", "git revision",
                 "Not computed yet: <code>tightness.csv</code>", "deliberately wrong"):
        assert word in text, word


def test_failing_and_inconclusive_claims_come_first_and_are_marked(run_dir):
    out, _ = run_dir
    text, page = _page(out)
    rank = {"o-fail": 0, "o-inconclusive": 1, "o-pass": 2}
    outcomes = [cls for _, cls in page.rows]
    assert [i for i, _ in page.rows][:2] == ["c-" + FAILS, "c-" + UNSURE]
    assert outcomes[:2] == ["o-fail", "o-inconclusive"]
    assert outcomes == sorted(outcomes, key=rank.get)           # groups ordered the same way
    attention = text.split('id="attention"')[1].split("</div>")[0]
    assert "Needs attention: 2 of 4" in attention
    assert attention.index(FAILS) < attention.index(UNSURE)
    assert "verdict above" in attention and "✗ FAIL" in attention
    assert "? INCONCLUSIVE" in attention
    assert html.escape(FINDING) in text and FINDING not in text  # autoescaped
    assert 'href="#finding-note"' in text                      # what a finding's FAIL means
    note = text.split('id="finding-note"')[1].split("</div>")[0]
    assert "A FAIL of such a claim means the numbers no longer reproduce" in note


def test_report_rebuilds_the_same_page_and_a_rerun_says_re_used(run_dir, tmp_path):
    out, claim_file = run_dir
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    (copy / "report.html").unlink()
    before = {p.name: p.stat().st_mtime_ns for p in copy.iterdir()}
    r = _convlab("report", copy)
    assert r.returncode == 0, r.stderr
    assert (copy / "report.html").read_bytes() == (out / "report.html").read_bytes()
    assert {p.name: p.stat().st_mtime_ns for p in copy.iterdir()
            if p.name != "report.html"} == before               # nothing re-run or rewritten
    assert "re-used" not in _page(copy)[0].split('id="verdicts"')[1]
    # a second verify in the same folder re-uses every claim, and the page says so
    r = _convlab("verify", "--only", *KEYS, "--claims", claim_file, "--out", copy, "--quiet")
    assert r.returncode == 1, r.stderr
    text, page = _page(copy)
    assert json.loads((copy / "run.json").read_text())["reused"] == [
        "textbook.sgd.one_over_t", FAILS, UNSURE, CONTROL]
    assert text.count('class="tag reused"') == 4 and "· 4 re-used" in text
    assert 'id="kill"' in text and "Not run: <code>convlab verify --power" in text  # stale
    assert len(page.imgs) == 4                                  # kill_matrix.png not shown


def test_tightness_table_and_a_folder_without_run_record(run_dir, tmp_path):
    out, _ = run_dir
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    (copy / "run.json").unlink()
    (copy / "tightness.csv").write_text(
        "key,statistic,theorem_bound,certified,searched,typical\n"
        "textbook.sgd.one_over_t,f_gap,2.5,1.25,1.0,0.5\n")
    write_html(copy)
    text = (copy / "report.html").read_text()
    tight = text.split('id="tightness"')[1].split("</section>")[0]
    assert "Not computed yet" not in tight and "<th>theorem_bound</th>" in tight
    assert "<td class=\"num\">1.25</td>" in tight
    assert "has no <code>run.json</code>" in text and "in the claims" in text
    assert 'class="tag reused"' not in text


def test_report_of_a_folder_without_results_is_a_usage_error(tmp_path, capsys):
    assert main(["report", str(tmp_path)]) == 2
    assert "holds no convlab verify results" in capsys.readouterr().err
    assert main(["report", str(tmp_path / "absent")]) == 2


# ------------------------------------------------------------------------------------------
# the page in a browser
# ------------------------------------------------------------------------------------------

# Appended to a copy of the page only (the page itself has no script): after loading,
# record every table's and image's rendered box, whether each image decoded, the page's
# scroll size and any resource fetched, as an attribute that --dump-dom prints.
PROBE = """<script>
window.addEventListener("load", () => {
  const box = e => { const r = e.getBoundingClientRect();
                     return [r.left + scrollX, r.top + scrollY, r.width, r.height]; };
  document.documentElement.setAttribute("data-probe", JSON.stringify({
    tables: [...document.querySelectorAll("table.verdicts")].map(box),
    imgs: [...document.images].map(i => ({ok: i.complete && i.naturalWidth > 0,
                                          box: box(i)})),
    width: document.documentElement.scrollWidth, view: innerWidth,
    height: document.documentElement.scrollHeight,
    fetched: performance.getEntriesByType("resource").map(e => e.name)
                        .filter(n => !n.startsWith("data:")),
  }));
});
</script>"""


def _chromium(tmp_path, url, *flags, width=1200, height=2000):
    cmd = [CHROMIUM, "--headless", "--disable-gpu", "--no-sandbox", "--hide-scrollbars",
           "--no-first-run", "--disable-extensions", "--force-device-scale-factor=1",
           f"--user-data-dir={tmp_path / 'profile'}", f"--window-size={width},{height}",
           *flags, url]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=90, check=False,
                       env={**os.environ, "LANG": "C.UTF-8"})
    assert r.returncode == 0, r.stderr[-2000:]
    return r


def _probe(tmp_path, page, width):
    probed = tmp_path / f"probe_{width}.html"
    probed.write_text(page.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"),
                      encoding="utf-8")
    dom = _chromium(tmp_path, probed.as_uri(), "--dump-dom", width=width).stdout
    found = re.search(r'data-probe="([^"]*)"', dom)
    assert found, f"the page did not finish loading in Chromium: {dom[:500]}"
    return json.loads(html.unescape(found.group(1)))


def _ink(shot, box):
    """Fraction of non-white pixels of the screenshot inside ``box`` (x, y, w, h)."""
    x, y, w, h = (round(v) for v in box)
    region = shot[y:y + h, x:x + w, :3]
    assert region.size, f"{box} lies outside the screenshot {shot.shape}"
    return float((region.min(axis=2) < 0.9).mean())


@pytest.mark.skipif(CHROMIUM is None, reason=INSTALL)
def test_the_page_in_headless_chromium(run_dir, tmp_path):
    import matplotlib.image

    out, _ = run_dir
    page = out / "report.html"
    wide = _probe(tmp_path, page, 1200)
    assert wide["fetched"] == []                                 # nothing from the network
    assert len(wide["imgs"]) == 5 and all(i["ok"] for i in wide["imgs"])  # decoded
    assert all(i["box"][2] > 200 and i["box"][3] > 100 for i in wide["imgs"]), wide["imgs"]
    assert len(wide["tables"]) == 2 and all(t[2] > 900 and t[3] > 80 for t in wide["tables"])
    assert wide["width"] <= wide["view"]                         # no sideways scrolling
    # the page itself (no probe), as a reader sees it
    shot_path = tmp_path / "report.png"
    height = min(int(wide["height"]), 9000)
    _chromium(tmp_path, page.as_uri(), f"--screenshot={shot_path}", height=height)
    shot = matplotlib.image.imread(shot_path)
    assert shot.shape[:2] == (height, 1200)
    first_table = wide["tables"][0]
    assert _ink(shot, first_table) > 0.03                        # the table shows text
    assert first_table[1] < 1200                                 # within the first screen
    figure = next(i["box"] for i in wide["imgs"] if i["box"][1] + i["box"][3] <= height)
    assert _ink(shot, figure) > 0.05                             # a plotted figure
    assert np.ptp(shot[..., :3].reshape(-1, 3), axis=0).min() > 0.5   # in colour
    # a narrow window (headless Chromium's narrowest is 500 px): the verdict rows stack,
    # the page does not scroll sideways
    narrow = _probe(tmp_path, page, 500)
    assert narrow["view"] <= 500 and narrow["width"] <= narrow["view"]
    assert all(i["ok"] and i["box"][2] <= 500 for i in narrow["imgs"])
    assert all(t[2] <= 500 for t in narrow["tables"])
    # and printed
    pdf = tmp_path / "report.pdf"
    _chromium(tmp_path, page.as_uri(), f"--print-to-pdf={pdf}", "--no-pdf-header-footer")
    assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 50_000
