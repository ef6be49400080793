"""``spendsense-gen report`` and ``Dataset.report``: one self-contained HTML page, checked as text
and then as a person sees it, in headless Chromium (every image loads, no console error, not blank).
"""

from __future__ import annotations

import base64
import io
import json
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
import spendsense_gen as ssg
from conftest import Written
from helpers import EDGE_CASES, PERSONAS
from spendsense_gen import cli
from spendsense_gen._dataset import ARCHETYPES

pytest.importorskip("matplotlib", reason="the report needs matplotlib (pip install '.[report]')")

SECTIONS = (
    "Dataset summary",
    "Archetype and persona distributions",
    "Label vs detected personas",
    "Checking balance trajectories by archetype",
    "Spending by category",
    "Persona rates by age bracket and region",
    "Validation checks",
    "Edge cases",
)


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


class Page(HTMLParser):
    """The parts of a page the tests look at."""

    def __init__(self) -> None:
        super().__init__()
        self.h2: list[str] = []
        self.h3: list[str] = []
        self.imgs: list[dict[str, str]] = []
        self.tags: set[str] = set()
        self.urls: list[str] = []
        self.meta: list[dict[str, str]] = []
        self._heading = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self.tags.add(tag)
        self.urls += [v for k, v in a.items() if k in ("src", "href", "action", "srcset", "poster", "data")]
        if tag == "img":
            self.imgs.append(a)
        if tag == "meta":
            self.meta.append(a)
        if tag in ("h2", "h3"):
            self._heading = tag
            getattr(self, tag).append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == self._heading:
            self._heading = ""

    def handle_data(self, data: str) -> None:
        if self._heading:
            getattr(self, self._heading)[-1] += data


def parse(text: str) -> Page:
    p = Page()
    p.feed(text)
    return p


def section(text: str, sid: str) -> str:
    """The HTML of one ``<section id=...>``."""
    m = re.search(rf'<section id="{sid}">(.*?)</section>', text, re.S)
    assert m, f"no section {sid}"
    return m.group(1)


@pytest.fixture(scope="module")
def folder_report(written: Written, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``spendsense-gen report`` on the session's written folder."""
    out = tmp_path_factory.mktemp("report") / "report.html"
    code, stdout, stderr = run("report", str(written.dir), "--out", str(out))
    assert code == 0, stderr
    assert stdout.startswith(f"wrote {out} (") and " KiB) in " in stdout
    return out


def test_report_is_self_contained(folder_report: Path) -> None:
    text = folder_report.read_text(encoding="utf-8")
    page = parse(text)
    assert page.h2 == list(SECTIONS)
    assert "30-day window" in page.h3 and "180-day window" in page.h3
    # Nothing to fetch: no scripts, style sheets, frames or objects; no URL anywhere in the page;
    # a Content-Security-Policy that would block a fetch anyway.
    assert not page.tags & {"script", "link", "iframe", "object", "embed", "video", "audio", "source"}
    assert "http://" not in text and "https://" not in text and "//" not in re.sub(r"data:[^\"]*", "", text)
    assert "@import" not in text and "url(" not in text
    assert all(u.startswith(("data:", "#")) for u in page.urls), page.urls
    csp = [m["content"] for m in page.meta if m.get("http-equiv", "").lower() == "content-security-policy"]
    assert csp and "default-src 'none'" in csp[0] and "img-src data:" in csp[0]
    # Every plot is an inline SVG whose own references are inline too.
    # archetypes, personas, two matrices, balances, spending, fairness
    assert len(page.imgs) == 7
    for img in page.imgs:
        assert img["alt"]
        prefix = "data:image/svg+xml;base64,"
        assert img["src"].startswith(prefix)
        svg = base64.b64decode(img["src"][len(prefix) :]).decode("utf-8")
        assert "<svg" in svg and "</svg>" in svg
        refs = re.findall(r'(?:xlink:)?href="([^"]*)"', svg)
        assert all(r.startswith(("data:", "#")) for r in refs), refs


def test_report_content_matches_the_data(ds: ssg.Dataset, written: Written, folder_report: Path) -> None:
    text = folder_report.read_text(encoding="utf-8")
    m = written.manifest
    summary = section(text, "summary")
    for value in (
        f"spendsense-gen {m['version']}",
        f"<dd>{m['seed']}</dd>",
        f"{m['start_date']} to {m['end_date']}",
        *(f"<dd>{m['row_counts'][t]:,}</dd>" for t in ("users", "accounts", "transactions", "liabilities")),
    ):
        assert value in summary, value
    dist = section(text, "distributions")
    for arch, n in ds.summary()["archetypes"].items():
        assert f"<td>{arch}</td><td class=num>{n}</td>" in dist
    labels = ds.to_pandas("user_labels")
    for p in PERSONAS:
        assert f"<td>{p}</td><td class=num>{int(labels[p].sum())}</td>" in dist
    # every rule of validate, and all pass on generated data
    checks = section(text, "validation")
    for rule in ssg.RULES:
        assert f'<td>{rule}</td><td><span class="pass">PASS</span>' in checks
    assert "16 of 16 checks passed" in checks
    # every edge-case user, with its edge case and outcome
    edge = section(text, "edge-cases").replace("<wbr>", "")  # names may wrap after an underscore
    rows = labels[labels["edge_case"].notna()]
    assert set(rows["edge_case"]) == set(EDGE_CASES)
    for r in rows.itertuples():
        assert re.search(rf"<td>{r.user_id}</td><td>{r.edge_case}</td>", edge), r.user_id
    assert edge.count('<span class="pass">match</span>') == len(rows)
    # fairness: every age bracket and region present, beside the overall share
    fair = section(text, "fairness")
    users = ds.to_pandas("users")
    for group, n in (*users["age_bracket"].value_counts().items(), *users["region"].value_counts().items()):
        assert f"<td>{group}</td><td class=num>{n}</td>" in fair
    assert fair.count("<td>all users</td>") == 2
    assert "month" in section(text, "spend") and "FOOD_AND_DRINK" in section(text, "spend")


def test_dataset_report_is_the_folder_report(ds: ssg.Dataset, written: Written, folder_report: Path) -> None:
    """Both sources go through the same inputs and renderer: only the source line differs."""
    out = ds.report(folder_report.parent / "from_dataset.html")
    a = out.read_text(encoding="utf-8").replace("a Dataset in memory", "SOURCE")
    b = folder_report.read_text(encoding="utf-8").replace(str(written.db), "SOURCE")
    assert a == b


def test_checking_balances_of_the_drawn_users(
    ds: ssg.Dataset, written: Written, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The trajectories hold the first users of each archetype (at most TRAJECTORY_USERS), with
    balances rebuilt from their own rows; a database without the account_id index gives the same."""
    import sqlite3

    import numpy as np
    from spendsense_gen import _report

    monkeypatch.setattr(_report, "TRAJECTORY_USERS", 2)
    acc, lab, tx = ds.to_pandas("accounts"), ds.to_pandas("user_labels"), ds.to_pandas("transactions")
    lo, hi = np.datetime64(ds.start_date, "D"), np.datetime64(ds.end_date, "D")
    days = np.arange(lo, hi + np.timedelta64(1, "D"))
    checking = acc[acc["subtype"] == "checking"].merge(lab[["user_id", "archetype"]], on="user_id")
    posted = tx[~tx["pending"]]

    def expected(account: str, current: float) -> np.ndarray:
        rows = posted[posted["account_id"] == account]
        dates = rows["date"].to_numpy().astype("datetime64[D]")
        amounts = rows["amount"].to_numpy()
        return np.array([current + amounts[dates > d].sum() for d in days])

    copy = tmp_path / "no_index.db"
    shutil.copy(written.db, copy)
    with sqlite3.connect(copy) as c:
        c.execute("DROP INDEX idx_transactions_account_id")
    results = []
    for db in (written.db, copy):
        con = sqlite3.connect(db)
        try:
            accounts = _report._read_sqlite_table(con, "accounts")
            labels = _report._read_sqlite_table(con, "user_labels")
            assert _report._indexed(con, "transactions", "account_id") == (db == written.db)
            results.append(_report.checking_balances(con, accounts, labels, lo, hi))
        finally:
            con.close()
    with_index, without = results
    assert with_index.capped
    assert [a for a, _ in with_index.groups] == [a for a in ARCHETYPES if a in set(checking["archetype"])]
    for (a, bal), (a2, bal2) in zip(with_index.groups, without.groups):
        first = checking[checking["archetype"] == a].head(2)
        assert a == a2 and bal.shape == (len(first), len(days))
        np.testing.assert_array_equal(bal, bal2)
        for row, (_, r) in zip(bal, first.iterrows()):
            np.testing.assert_allclose(row, expected(r["account_id"], r["balance_current"]), atol=1e-6)
            assert row[-1] == pytest.approx(r["balance_current"])


def test_report_from_a_csv_folder(tmp_path: Path) -> None:
    """A folder with only CSV tables (no database, no detector outputs) still gives a report."""
    data = tmp_path / "data"
    ssg.generate(n_users=12, seed=5, months=2).to_csv(data / "csv")
    code, stdout, stderr = run("report", str(data), "-q")
    assert (code, stdout, stderr) == (0, "", "")
    text = (data / "report.html").read_text(encoding="utf-8")
    assert parse(text).h2 == list(SECTIONS)
    assert "<dt>Users</dt><dd>12</dd>" in text
    assert str(data / "csv") in text


def test_report_from_a_users_json(tmp_path: Path) -> None:
    """``users.json`` (which validate and load read) gives a report too, through a temporary
    database; any other file is a one-line error, not a traceback."""
    data = tmp_path / "data"
    ssg.generate(n_users=12, seed=5, months=2).to_json(data / "users.json")
    code, stdout, stderr = run("report", str(data / "users.json"), "-q")
    assert (code, stdout, stderr) == (0, "", "")
    text = (data / "report.html").read_text(encoding="utf-8")
    assert "<dt>Users</dt><dd>12</dd>" in text
    (tmp_path / "notes.txt").write_text("not data", encoding="utf-8")
    code, stdout, stderr = run("report", str(tmp_path / "notes.txt"))
    assert code == 2 and stdout == "" and len(stderr.splitlines()) == 1
    assert "is neither a SQLite database nor a users.json" in stderr


def test_report_says_when_the_data_is_shorter_than_a_window(folder_report: Path, tmp_path: Path) -> None:
    """Two months of data cover neither window's rules (90 days for the 30-day window): the
    matrices say so, where labels and detection can disagree. The default run covers both."""
    note = "short of what this window&#x27;s rules read"
    ds = ssg.generate(n_users=12, seed=5, months=2)
    ds.report(tmp_path / "short.html")
    text = (tmp_path / "short.html").read_text(encoding="utf-8")
    start = str(ds.summary()["start_date"])
    assert text.count(note) == 2, text[:2000]
    assert f"The data starts {start}" in text
    assert note not in folder_report.read_text(encoding="utf-8")


def test_report_refuses_to_replace_a_file(written: Written, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    out.write_text("mine", encoding="utf-8")
    code, stdout, stderr = run("report", str(written.dir), "--out", str(out))
    assert code == 2 and stdout == ""
    assert stderr.strip() == (
        f"spendsense-gen: error: {out} already exists (pass overwrite=True or --overwrite to replace it)"
    )
    with pytest.raises(ssg.OutputExistsError):
        ssg.write_report(written.dir, out)
    assert out.read_text(encoding="utf-8") == "mine"


def test_report_of_a_missing_folder_is_one_line(tmp_path: Path) -> None:
    code, stdout, stderr = run("report", str(tmp_path / "nowhere"))
    assert code == 2 and stdout == ""
    assert len(stderr.splitlines()) == 1
    assert stderr.startswith("spendsense-gen: error: ") and "nowhere does not exist" in stderr
    code, _, stderr = run("report", str(tmp_path))  # exists, but holds no data
    assert code == 2 and "holds no spendsense.db" in stderr


def test_report_without_matplotlib_says_how_to_install(
    ds: ssg.Dataset, written: Written, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # `import matplotlib` now fails
    out = tmp_path / "report.html"
    code, stdout, stderr = run("report", str(written.dir), "--out", str(out))
    assert code == 2 and stdout == ""
    assert stderr == (
        "spendsense-gen: error: the report needs matplotlib, which is not installed: "
        "pip install 'spendsense-gen[report]'\n"
    )
    with pytest.raises(ImportError, match=re.escape("pip install 'spendsense-gen[report]'")):
        ds.report(out)
    assert not out.exists()


# -- in a browser ------------------------------------------------------------------------------
# Put first in <head>, before the report's Content-Security-Policy (a policy in a <meta> applies
# from where it appears), it records failed loads, policy violations, errors and console.error,
# and on load writes what it saw into the page for --dump-dom.
PROBE = """<script>
window.__problems = [];
window.addEventListener("error", function (e) {
  var t = e.target;
  window.__problems.push("error: " + (e.message || (t && (t.currentSrc || t.src || t.href)) || t));
}, true);
document.addEventListener("securitypolicyviolation", function (e) {
  window.__problems.push("blocked by the page's policy: " + e.blockedURI);
});
var __consoleError = console.error;
console.error = function () {
  window.__problems.push("console.error: " + Array.prototype.join.call(arguments, " "));
  __consoleError.apply(console, arguments);
};
window.addEventListener("load", function () {
  var imgs = Array.prototype.slice.call(document.images);
  var bad = imgs.filter(function (i) { return !(i.complete && i.naturalWidth > 0); });
  // A table wider than the box it sits in is clipped (its box scrolls or hides the rest),
  // which the page's own width does not show; so is anything in a box that hides or scrolls.
  var clipped = Array.prototype.slice.call(document.querySelectorAll("table")).filter(function (t) {
    return t.scrollWidth > t.parentElement.clientWidth;
  }).map(function (t) { return "table: " + t.rows[0].textContent.slice(0, 60); });
  Array.prototype.slice.call(document.querySelectorAll("body *")).forEach(function (e) {
    var o = getComputedStyle(e).overflowX;
    if (o !== "visible" && e.scrollWidth > e.clientWidth) {
      clipped.push(e.tagName.toLowerCase() + "." + e.className + ": " + e.textContent.slice(0, 60));
    }
  });
  var out = document.createElement("pre");
  out.id = "probe";
  out.textContent = JSON.stringify({
    images: imgs.length,
    loaded: imgs.length - bad.length,
    broken: bad.map(function (i) { return i.alt || i.src.slice(0, 60); }),
    problems: window.__problems,
    clipped: clipped,
    width: document.documentElement.scrollWidth,
    height: document.documentElement.scrollHeight
  });
  document.body.appendChild(out);
});
</script>"""


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        exe = shutil.which(name)
        if exe:
            return exe
    message = "headless Chromium not found (Debian: apt-get install chromium; .ci/run installs it)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def _browse(exe: str, page: Path, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    cmd = [
        exe,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-dev-shm-usage",
        "--disable-extensions",
        "--no-first-run",
        "--no-default-browser-check",
        "--hide-scrollbars",
        "--mute-audio",
        "--enable-logging=stderr",
        "--v=0",
        f"--user-data-dir={profile}",
        "--virtual-time-budget=15000",
        *args,
        page.as_uri(),
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=180, check=False)


def _probe(exe: str, html_text: str, tmp_path: Path, name: str) -> tuple[dict[str, object], str]:
    """Open a copy of the page with the probe; return what the probe saw and Chromium's console."""
    page = tmp_path / name
    page.write_text(html_text.replace("<head>", "<head>" + PROBE, 1), encoding="utf-8")
    p = _browse(exe, page, tmp_path / "profile", "--window-size=1280,1000", "--dump-dom")
    assert p.returncode == 0, p.stderr[-2000:]
    m = re.search(r'<pre id="probe">(.*?)</pre>', p.stdout, re.S)
    assert m, f"the probe did not run; Chromium said:\n{p.stderr[-2000:]}"
    import html

    console = "\n".join(line for line in p.stderr.splitlines() if ":CONSOLE" in line)
    return json.loads(html.unescape(m.group(1))), console


def test_report_in_headless_chromium(folder_report: Path, tmp_path: Path) -> None:
    exe = _chromium()
    text = folder_report.read_text(encoding="utf-8")
    n_imgs = len(parse(text).imgs)

    # The probe itself works: an image from the network is blocked and reported, a broken one too.
    extra = '<img alt="remote" src="https://example.com/x.png">'
    extra += '<img alt="broken" src="data:image/png;base64,AAAA">'
    bad = text.replace("</main>", extra + "</main>")
    seen, _ = _probe(exe, bad, tmp_path, "control.html")
    assert seen["images"] == n_imgs + 2 and seen["loaded"] == n_imgs
    assert sorted(seen["broken"]) == ["broken", "remote"]  # type: ignore[arg-type]
    assert any("example.com" in p for p in seen["problems"])  # type: ignore[union-attr]

    seen, console = _probe(exe, text, tmp_path, "report.html")
    assert seen["images"] == n_imgs == 7
    assert seen["loaded"] == n_imgs, f"images that did not load: {seen['broken']}"
    assert seen["problems"] == [], seen["problems"]
    assert console == "", console
    assert seen["width"] <= 1280, "the page is wider than the window"  # nothing overflows sideways
    assert seen["clipped"] == [], f"cut off at 1280 px: {seen['clipped']}"  # nor inside a box

    # A screenshot of the whole page: it has content all the way down and is not blank.
    height = min(int(seen["height"]), 16000)  # type: ignore[call-overload]
    shot = tmp_path / "report.png"
    p = _browse(
        exe, folder_report, tmp_path / "profile", f"--window-size=1280,{height}", f"--screenshot={shot}"
    )
    assert p.returncode == 0 and shot.is_file(), p.stderr[-2000:]
    import numpy as np
    from PIL import Image

    with Image.open(shot) as im:
        rgb = np.asarray(im.convert("RGB"))
    assert rgb.shape == (height, 1280, 3)
    white = (rgb == 255).all(axis=2)
    packed = (rgb[..., 0].astype(np.uint32) << 16) | (rgb[..., 1].astype(np.uint32) << 8) | rgb[..., 2]
    colours = len(np.unique(packed))
    assert colours > 100, f"only {colours} colours"
    assert 1 - white.mean() > 0.05, f"only {1 - white.mean():.1%} of the page is not white"
    # no blank stretch: every 800 px band of the page (but the last) has something on it
    for top in range(0, height - 800, 800):
        assert not white[top : top + 800].all(), f"blank from {top} px"
    print(f"screenshot: {shot}")
