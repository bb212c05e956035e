"""The HTML report (`arabic-ie match --format html`): self-contained, right-to-left, escaped, nested.

The last test opens a report in headless Chromium, checks what a reader sees (highlights,
right-to-left layout, tooltip on focus, the label filter, an injected script shown as text)
and saves a screenshot to test-artifacts/ (git-ignored; CI keeps it as an artifact).
"""
from __future__ import annotations

import base64
import hashlib
import html
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dsl.doc.mention import Arg, Mention
from dsl.io.html import PALETTE, TEXT_COLOUR, HtmlSink, contrast_ratio, render_html

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.txt"))
ARTIFACTS = ROOT / "test-artifacts"


def cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dsl", *args], capture_output=True, cwd=cwd,
                          env=dict(os.environ), timeout=300)


def mention(text: str, label: str, start: int, end: int, rule: str = "r", **args: Arg) -> Mention:
    return Mention(label, rule, start, end, text[start:end], 0, 1, args=args)


def arg(text: str, start: int, end: int) -> Arg:
    return Arg(start, end, text[start:end])


class Tree(HTMLParser):
    """Collects, for each highlighted element, its text (continuation pieces joined), and checks nesting."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[dict[str, str]] = []
        self.texts: dict[str, str] = {}       # mention id -> text
        self.first: dict[str, dict[str, str]] = {}
        self.args: list[tuple[str, str, str]] = []   # (mention id, arg name, text)
        self.open_args: list[list] = []
        self.doc_text: list[str] = []
        self.in_text = 0
        self.parents: dict[str, list[str]] = {}

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "div" and a.get("class") == "text":
            self.in_text += 1
            return
        if self.in_text and tag == "span":
            cls = a.get("class", "").split()
            if "m" in cls:
                self.texts.setdefault(a["data-id"], "")
                if "cont" not in cls:
                    self.first[a["data-id"]] = a
                    self.parents[a["data-id"]] = [s.get("data-id", s.get("data-of", "")) for s in self.stack]
            if "a" in cls:
                self.open_args.append([a["data-of"], a["data-arg"], ""])
            self.stack.append(a)
        elif self.in_text and tag not in ("span",):
            self.stack.append(a)

    def handle_endtag(self, tag: str) -> None:
        if not self.in_text:
            return
        if tag == "div" and not self.stack:
            self.in_text -= 1
            return
        a = self.stack.pop()
        if "a" in a.get("class", "").split():
            of, name, txt = self.open_args.pop()
            self.args.append((of, name, txt))

    def handle_data(self, data: str) -> None:
        if not self.in_text:
            return
        self.doc_text.append(data)
        for a in self.stack:
            if "m" in a.get("class", "").split():
                self.texts[a["data-id"]] += data
        for oa in self.open_args:
            oa[2] += data


def parse(page: str) -> Tree:
    t = Tree()
    t.feed(page)
    t.close()
    assert t.stack == [] and t.in_text == 0, "unbalanced elements"
    return t


# ---------------------------------------------------------------- the page

TEXT = "وأجرى وزير الخارجية محادثات مع المشير خليفة حفتر في بنغازي."


def meeting_doc() -> list[Mention]:
    t = TEXT
    s_person = t.index("خليفة")
    person = mention(t, "Person", s_person, s_person + len("خليفة حفتر"), "person_title",
                     title=arg(t, t.index("المشير"), t.index("المشير") + len("المشير")))
    partner = arg(t, t.index("المشير"), person.end)
    meeting = mention(t, "Meeting", t.index("أجرى"), person.end, "meeting_held_talks",
                      trigger=arg(t, t.index("أجرى"), t.index("أجرى") + 4), partner=partner)
    place = mention(t, "Location", t.index("بنغازي"), t.index("بنغازي") + 6, "gazetteer:locations")
    return [meeting, person, place]


def test_page_is_self_contained_rtl_and_counts_per_label_and_rule():
    page = render_html([("doc-1", TEXT, meeting_doc())], labels=["Location", "Meeting", "Person"],
                       pack_name="news")
    assert page.startswith('<!DOCTYPE html>\n<html lang="ar" dir="rtl">')
    assert not re.search(r"https?://|<link|@import|url\(|\bsrc=", page)   # nothing to fetch
    csp = re.search(r'Content-Security-Policy" content="([^"]+)"', page).group(1)
    assert "default-src 'none'" in csp
    script = re.search(r"<script>(.*?)</script>", page, re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in csp   # only the page's own script may run
    assert '<p id="summary">1 document &middot; 3 mentions &middot; pack <b>news</b></p>' in page
    for k, (label, n) in enumerate([("Location", 1), ("Meeting", 1), ("Person", 1)]):
        assert (f'<label class="chip l{k}"><input type="checkbox" checked data-k="{k}" data-label="{label}"> '
                f'{label} <span class="n">{n}</span></label>') in page
    assert re.search(r"<td>meeting_held_talks</td><td><span class=\"sw l1\"></span>Meeting</td>"
                     r"<td class=\"n\">1</td>", page)


def test_mentions_nest_and_arguments_are_marked_inside_them():
    page = render_html([("doc-1", TEXT, meeting_doc())])
    t = parse(page)
    assert "".join(t.doc_text) == TEXT          # the text is all there, in order
    by_label = {a["data-label"]: i for i, a in t.first.items()}
    assert t.texts[by_label["Meeting"]] == "أجرى وزير الخارجية محادثات مع المشير خليفة حفتر"
    assert t.texts[by_label["Person"]] == "خليفة حفتر"
    # the Person sits inside the Meeting's partner argument, which sits inside the Meeting
    assert t.parents[by_label["Person"]] == [by_label["Meeting"], by_label["Meeting"]]
    assert (by_label["Meeting"], "partner", "المشير خليفة حفتر") in t.args
    assert (by_label["Person"], "title", "المشير") in t.args   # an argument outside its mention's span
    first = t.first[by_label["Meeting"]]
    assert first["tabindex"] == "0" and first["data-rule"] == "meeting_held_talks"
    assert json.loads(first["data-args"]) == [["trigger", "أجرى"], ["partner", "المشير خليفة حفتر"]]


def test_crossing_mentions_are_split_and_counted_once():
    text = "ا ب ج د ه"
    a, b = mention(text, "X", 0, 5), mention(text, "Y", 2, 9)
    t = parse(render_html([("d", text, [a, b])]))
    assert sorted(t.texts.values()) == ["ا ب ج", "ب ج د ه"]
    assert len(t.first) == 2                    # one focusable element per mention
    page = render_html([("d", text, [a, b])])
    assert page.count('class="m l1 cont"') == 1


def test_untrusted_text_is_shown_not_run():
    evil = 'قال <script>alert("x")</script> و<img src=x onerror=alert(1)> "&" المشير'
    s = evil.index("<script>")
    m = mention(evil, "Tag", s, s + len('<script>alert("x")</script>'), 'rule"><script>',
                who=arg(evil, s, s + 8))
    page = render_html([('<b>id</b>"', evil, [m])], labels=['La"bel'])
    assert page.count("<script>") == 1          # the page's own script only
    assert "<img" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "&lt;b&gt;id&lt;/b&gt;&quot;" in page
    t = parse(page)
    assert "".join(t.doc_text) == evil
    [attrs] = t.first.values()
    assert attrs["data-rule"] == 'rule"><script>' and attrs["data-text"] == '<script>alert("x")</script>'


def test_legend_colours_are_readable():
    for c in PALETTE:
        assert contrast_ratio(TEXT_COLOUR, c) >= 7.0, c      # WCAG AAA for normal text
    assert len(set(PALETTE)) == len(PALETTE)


def test_no_documents_still_makes_a_page():
    page = render_html([])
    assert "0 documents &middot; 0 mentions" in page and "No documents." in page


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="اب جد\n<&>", min_size=1, max_size=30), st.data())
def test_any_spans_give_well_formed_markup_that_keeps_the_text(text: str, data: st.DataObject):
    n = len(text)
    spans = data.draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(1, n)).filter(lambda p: p[0] < p[1]),
                               max_size=6))
    ms = []
    for k, (s, e) in enumerate(spans):
        args = {}
        if e - s > 1:
            args["x"] = arg(text, s + 1, e)
        ms.append(mention(text, "L" + str(k % 3), s, e, f"r{k}", **args))
    t = parse(render_html([("d", text, ms)]))
    assert "".join(t.doc_text) == text
    assert len(t.first) == len(ms)
    got = sorted(t.texts.values())
    assert got == sorted(m.text for m in ms)


# ---------------------------------------------------------------- from the command line

def test_match_format_html_writes_one_page(tmp_path: Path):
    out = tmp_path / "report.html"
    r = cli("match", "--format", "html", "--output", str(out), *map(str, EXAMPLES))
    assert r.returncode == 0, r.stderr.decode()
    page = out.read_text(encoding="utf-8")
    jl = cli("match", *map(str, EXAMPLES))
    n = len(jl.stdout.decode().splitlines())
    assert n > 0 and f"{len(EXAMPLES)} documents &middot; {n} mentions" in page
    t = parse(page)
    assert len(t.first) == n


def test_html_to_stdout(tmp_path: Path):
    f = tmp_path / "a.txt"
    f.write_text(TEXT, encoding="utf-8")
    r = cli("match", "--format", "html", str(f))
    assert r.returncode == 0 and r.stdout.decode().rstrip().endswith("</html>")


def test_sink_streams_documents_to_a_temporary_file():
    from io import StringIO
    buf = StringIO()
    sink = HtmlSink(buf)
    sink.write("a", TEXT, meeting_doc())
    assert buf.getvalue() == ""                 # nothing until the counts are known
    sink.close()
    sink.close()                                # closing twice writes once
    assert buf.getvalue().count("</html>") == 1


# ---------------------------------------------------------------- in a real browser

def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome"):
        p = shutil.which(name)
        if p:
            return p
    return None


PROBE = """
(function () {
  var r = {};
  var ms = Array.prototype.slice.call(document.querySelectorAll(".m:not(.cont)"));
  function painted(e) {
    var s = getComputedStyle(e);
    return e.getClientRects().length > 0 && s.backgroundColor !== "rgba(0, 0, 0, 0)" && s.visibility === "visible";
  }
  r.mentions = ms.length;
  r.highlighted = ms.filter(painted).length;
  var box = document.querySelector(".text");
  r.direction = getComputedStyle(box).direction;
  r.pageDirection = getComputedStyle(document.documentElement).direction;
  var node = box.firstChild;
  while (node && node.nodeType !== 3) node = node.firstChild;
  var range = document.createRange(); range.setStart(node, 0); range.setEnd(node, 1);
  var first = range.getBoundingClientRect(), outer = box.getBoundingClientRect();
  r.firstCharFromRight = outer.right - first.right;
  r.firstCharFromLeft = first.left - outer.left;
  r.title = document.title;
  r.injected = document.querySelectorAll("main script, main img").length;
  var injectedText = '<scr' + 'ipt>document.title="pwned"</scr' + 'ipt>';
  r.scriptShownAsText = box.ownerDocument.body.innerText.indexOf(injectedText) >= 0;
  ms[0].focus();
  var tip = document.getElementById("tip");
  // Headless Chromium fires focus events only while its window has focus, which depends on
  // the machine's load; what is under test is the page's own focusin handler, so deliver it.
  if (tip.hidden) ms[0].dispatchEvent(new FocusEvent("focusin", {bubbles: true}));
  r.focused = document.activeElement === ms[0];
  r.tipShown = !tip.hidden && tip.getBoundingClientRect().height > 0;
  r.tipText = tip.innerText;
  window.scrollTo(0, 0);   // focusing scrolled the page; the screenshot below starts at the top
  var person = document.querySelector('.legend input[data-label="Person"]');
  var k = person.getAttribute("data-k");
  r.personBefore = ms.filter(function (e) { return e.getAttribute("data-k") === k && painted(e); }).length;
  person.click();
  r.personAfter = ms.filter(function (e) { return e.getAttribute("data-k") === k && painted(e); }).length;
  r.othersAfter = ms.filter(function (e) { return e.getAttribute("data-k") !== k && painted(e); }).length;
  var out = document.createElement("pre"); out.id = "probe"; out.hidden = true; out.textContent = JSON.stringify(r);
  document.body.appendChild(out);
})();
"""


def _with_probe(page: str) -> str:
    """The page plus the probe script, allowed by adding its hash to the page's own policy."""
    digest = base64.b64encode(hashlib.sha256(PROBE.encode()).digest()).decode()
    page = page.replace("script-src 'sha256-", f"script-src 'sha256-{digest}' 'sha256-", 1)
    return page.replace("</body>", f"<script>{PROBE}</script>\n</body>", 1)


def _run_chromium(binary: str, *args: str) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run([binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                               "--disable-component-update", "--disable-sync", "--no-first-run",
                               "--disable-dev-shm-usage", f"--user-data-dir={profile}", *args],
                              capture_output=True, timeout=120)


@pytest.mark.slow
def test_report_in_headless_chromium(tmp_path: Path):
    binary = _chromium()
    if binary is None:
        pytest.skip("no chromium binary found (Debian: apt-get install chromium chromium-driver; .ci/run does); "
                    "the report was not checked in a browser")
    evil = tmp_path / "zz_untrusted.txt"
    evil.write_text('<script>document.title="pwned"</script> زار المشير خليفة حفتر القاهرة يوم الأحد.',
                    encoding="utf-8")
    report = tmp_path / "report.html"
    r = cli("match", "--format", "html", "--output", str(report), *map(str, EXAMPLES), str(evil))
    assert r.returncode == 0, r.stderr.decode()
    n = len(cli("match", *map(str, EXAMPLES), str(evil)).stdout.splitlines())
    probe = tmp_path / "probe.html"
    probe.write_text(_with_probe(report.read_text(encoding="utf-8")), encoding="utf-8")

    dom = _run_chromium(binary, "--virtual-time-budget=2000", "--dump-dom", probe.as_uri())
    found = re.search(r"<pre id=\"probe\"[^>]*>(.*?)</pre>", dom.stdout.decode("utf-8"), re.S)
    assert found, f"the probe did not run: {dom.stderr.decode()[-2000:]}"
    res = json.loads(html.unescape(found.group(1)))
    assert res["mentions"] == n and res["highlighted"] == n          # every mention is highlighted
    assert res["direction"] == "rtl" and res["pageDirection"] == "rtl"
    assert res["firstCharFromRight"] < 8 and res["firstCharFromLeft"] > 300   # text starts at the right edge
    assert res["title"] != "pwned" and res["injected"] == 0 and res["scriptShownAsText"]
    assert res["focused"] and res["tipShown"] and "rule: " in res["tipText"] and "label: " in res["tipText"]
    assert res["personBefore"] > 0 and res["personAfter"] == 0
    assert res["othersAfter"] == n - res["personBefore"]               # the filter hides only that label

    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "report-screenshot.png"
    shot.unlink(missing_ok=True)
    shutil.copy(report, ARTIFACTS / "report.html")
    s = _run_chromium(binary, "--hide-scrollbars", "--window-size=1280,1600", f"--screenshot={shot}",
                      report.as_uri())
    assert shot.is_file() and shot.stat().st_size > 20_000, s.stderr.decode()[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # and the page after the probe: the first mention focused with its tooltip, Person unchecked
    after = ARTIFACTS / "report-focused-person-hidden.png"
    after.unlink(missing_ok=True)
    _run_chromium(binary, "--hide-scrollbars", "--window-size=1280,1300", f"--screenshot={after}", probe.as_uri())
    assert after.is_file() and after.stat().st_size > 20_000


# ---------------------------------------------------------------- large corpora: pages

def _docs(n: int) -> list[tuple[str, str, list[Mention]]]:
    return [(f"doc-{k}.txt", TEXT, meeting_doc()) for k in range(1, n + 1)]


def test_a_report_written_to_a_file_is_split_into_linked_pages(tmp_path: Path):
    out = tmp_path / "report.html"
    with open(out, "w", encoding="utf-8") as f:
        sink = HtmlSink(f, labels=["Location", "Meeting", "Person"], page_size=2, path=out)
        for doc in _docs(5):
            sink.write(*doc)
        sink.close()
    pages = [out, tmp_path / "report-2.html", tmp_path / "report-3.html"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in pages)
    texts = [p.read_text(encoding="utf-8") for p in pages]
    for k, page in enumerate(texts, 1):
        assert "5 documents &middot; 15 mentions" in page          # the counts of the whole run, on every page
        assert f"Page {k} of 3: documents" in page
        assert f"<title>arabic-ie report (page {k} of 3)</title>" in page
        assert page.count("<b>" + str(k) + "</b>") == 2               # the page links, above and below
        parse(page)                                                   # well formed
    assert [re.findall(r'<section class="doc" id="doc(\d+)"', t) for t in texts] == [["1", "2"], ["3", "4"], ["5"]]
    assert 'href="report-2.html" rel="next"' in texts[0] and 'href="report-2.html" rel="prev"' in texts[2]
    index = re.findall(r'<tr><td><a href="([^"]+)">doc-(\d)\.txt</a>', texts[0])
    assert index == [("report.html#doc1", "1"), ("report.html#doc2", "2"), ("report-2.html#doc3", "3"),
                     ("report-2.html#doc4", "4"), ("report-3.html#doc5", "5")]
    assert "Index of the" not in texts[1]


def test_a_report_on_standard_output_shows_the_first_page_and_says_what_it_leaves_out():
    page = render_html(_docs(5), page_size=2)
    assert len(re.findall(r'<section class="doc"', page)) == 2
    assert "5 documents &middot; 15 mentions" in page
    assert "Showing documents 1&ndash;2 of 5" in page and "--output report.html" in page
    assert "Showing" not in render_html(_docs(5), page_size=0) and "Showing" not in render_html(_docs(2), page_size=2)
    assert len(re.findall(r'<section class="doc"', render_html(_docs(5), page_size=0))) == 5


def test_a_shorter_rerun_removes_its_own_stale_pages_only(tmp_path: Path):
    out = tmp_path / "report.html"

    def write(n: int) -> None:
        with open(out, "w", encoding="utf-8") as f:
            sink = HtmlSink(f, page_size=1, path=out)
            for doc in _docs(n):
                sink.write(*doc)
            sink.close()

    write(3)
    (tmp_path / "report-5.html").write_text("mine", encoding="utf-8")
    write(1)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report-5.html", "report.html"]


def test_match_html_page_size_and_output(tmp_path: Path):
    out = tmp_path / "r.html"
    r = cli("match", "--format", "html", "--html-page-size", "1", "--output", str(out), *map(str, EXAMPLES))
    assert r.returncode == 0, r.stderr.decode()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r-2.html", "r.html"]
    r = cli("match", "--format", "html", "--html-page-size", "-1", str(EXAMPLES[0]))
    assert r.returncode == 2 and "expected a number of documents (0 for one page), not '-1'" in r.stderr.decode()
