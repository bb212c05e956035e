"""An HTML report of mentions (`arabic-ie match --format html`): one self-contained page.

The page needs no network to be viewed (inline CSS and JavaScript, no fonts or images from
elsewhere, and a Content-Security-Policy that forbids loading anything and allows only the
page's own script, by hash). It is right-to-left (`<html dir="rtl">`); the summary at the
top is in English, left-to-right. Each document shows its text with mentions highlighted in
their label's legend colour and their arguments underlined and named; hovering or focusing a
mention (every mention is reachable with Tab) shows its label, rule and arguments. The top
has counts per label (the legend, whose check boxes filter the highlights by label) and per
rule.

Document text is untrusted: everything is escaped, and the script builds its tooltip with
`textContent`. Mentions may nest (a Person inside a Meeting's argument) or cross (two labels
overlapping partly); a crossing element is split at the boundary it crosses, and the pieces
after the first are marked as continuations (not focusable, not counted).

Memory stays flat over a corpus: documents are written to a temporary file as they come and
copied into the page when it is closed, after the counts it starts with.

Large corpora are paginated so the report stays quick to open (2,011 documents made one page of
39 MB that took Chromium 12 s to lay out): each page holds `page_size` documents (default
`PAGE_SIZE`). Written to a file (`path`), page 1 is that file and page k is `NAME-k.html`
beside it; every page carries the counts of the whole run, links to the other pages, and page
1 an index of every document. Written to a stream alone (standard output), the report is the
first page, and says how many documents it leaves out and how to see them. `page_size=0`
puts every document on one page.
"""
from __future__ import annotations

import base64
import hashlib
import heapq
import json
import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterable, Sequence
from html import escape
from pathlib import Path
from typing import IO, Any

from dsl.doc.mention import Arg, Mention
from dsl.io.writers import Sink

#: Legend colours (backgrounds under near-black text; each has a contrast ratio above 9:1 with TEXT_COLOUR).
PALETTE = ("#ffd6a5", "#caffbf", "#9bf6ff", "#bdb2ff", "#ffc6ff", "#fdffb6", "#a0c4ff", "#ffadad",
           "#d4e09b", "#e2c6a7", "#b5ead7", "#f1c0e8")
TEXT_COLOUR = "#111111"
#: Documents per page of the report (`arabic-ie match --html-page-size N`).
PAGE_SIZE = 100
#: Marks the pages this module writes, so a rerun may remove its own stale pages and nothing else.
GENERATOR = "arabic-ie html report"


def contrast_ratio(fg: str, bg: str) -> float:
    """The WCAG 2 contrast ratio of two `#rrggbb` colours (1 to 21; 4.5 is the minimum for text)."""
    def lum(c: str) -> float:
        rgb = [int(c[k:k + 2], 16) / 255 for k in (1, 3, 5)]
        lin = [x / 12.92 if x <= 0.03928 else ((x + 0.055) / 1.055) ** 2.4 for x in rgb]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    a, b = sorted((lum(fg), lum(bg)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def darker(c: str, f: float = 0.45) -> str:
    """A darker shade of `#rrggbb` (for borders and argument underlines)."""
    return "#" + "".join(f"{int(int(c[k:k + 2], 16) * f):02x}" for k in (1, 3, 5))


_CSS = """
:root { color-scheme: light; --text: %(text)s; }
* { box-sizing: border-box; }
body { margin: 0; font-family: "DejaVu Sans", "Noto Naskh Arabic", "Noto Sans Arabic", Tahoma, Arial, sans-serif;
       color: var(--text); background: #fafafa; line-height: 1.5; }
header { background: #fff; border-bottom: 1px solid #ccc; padding: .8rem 1.2rem; }
header h1 { font-size: 1.25rem; margin: 0 0 .3rem 0; }
header p { margin: .2rem 0; color: #333; }
.legend { border: 0; padding: 0; margin: .6rem 0; display: flex; flex-wrap: wrap; gap: .4rem; align-items: center; }
.legend legend { font-weight: bold; padding: 0; margin-bottom: .3rem; }
.chip { display: inline-flex; align-items: center; gap: .35rem; padding: .15rem .55rem; border-radius: 1rem;
        border: 1px solid #555; cursor: pointer; font-size: .95rem; }
.chip .n { font-weight: bold; }
.chip input { margin: 0; }
.opts { margin: .4rem 0; font-size: .9rem; }
table.rules { border-collapse: collapse; font-size: .9rem; margin-top: .4rem; }
table.rules th, table.rules td { border-bottom: 1px solid #ddd; padding: .15rem .6rem; text-align: left; }
table.rules td.n { text-align: right; font-variant-numeric: tabular-nums; }
.sw { display: inline-block; width: .8rem; height: .8rem; border: 1px solid #555; vertical-align: middle;
      margin-right: .3rem; }
main { padding: .5rem 1.2rem 3rem; }
section.doc { background: #fff; border: 1px solid #ddd; border-radius: .4rem; margin: 1rem 0; padding: .6rem 1rem; }
section.doc h2 { font-size: .95rem; margin: 0 0 .5rem 0; color: #333; font-weight: normal; word-break: break-all; }
section.doc h2 b { font-weight: bold; }
.text { white-space: pre-wrap; font-size: 1.25rem; line-height: 2.6; unicode-bidi: plaintext; }
.m { border-radius: .3rem; padding: .05rem .15rem; border: 1px solid transparent; color: var(--text);
     -webkit-box-decoration-break: clone; box-decoration-break: clone; cursor: help; }
.m::after { content: attr(data-label); font-size: .55em; font-weight: bold; vertical-align: super;
            padding: 0 .2em; direction: ltr; unicode-bidi: isolate; }
.m.cont::after { content: none; }
.m:focus-visible, .m.hl { outline: 3px solid #000; outline-offset: 1px; }
.a { border-bottom: 3px solid #555; padding-bottom: .1rem; }
.a::before { content: attr(data-arg); font-size: .5em; vertical-align: sub; color: #222; padding: 0 .15em;
             direction: ltr; unicode-bidi: isolate; }
.a.cont::before { content: none; }
.a.hl { background: rgba(0, 0, 0, .08); }
#tip { position: absolute; z-index: 10; max-width: 34rem; background: #fff; color: var(--text);
       border: 2px solid #222; border-radius: .3rem; padding: .4rem .6rem; font-size: .9rem;
       box-shadow: 0 2px 8px rgba(0, 0, 0, .25); pointer-events: none; }
#tip[hidden] { display: none; }
#tip .k { font-weight: bold; }
.empty { color: #666; font-style: italic; }
nav.pages { margin: .6rem 0; font-size: .95rem; }
nav.pages a, nav.pages b { display: inline-block; padding: .1rem .45rem; margin: 0 .1rem; }
nav.pages b { border: 1px solid #555; border-radius: .3rem; }
p.note { background: #fff8e1; border: 1px solid #c9a227; border-radius: .3rem; padding: .3rem .6rem; }
table.index td.n { text-align: right; font-variant-numeric: tabular-nums; }
"""

_JS = """
(function () {
  "use strict";
  var tip = document.getElementById("tip");
  var shown = null;
  function byId(id) { return document.querySelector('.m[data-id="' + id + '"]:not(.cont)'); }
  function line(k, v) {
    var d = document.createElement("div");
    var b = document.createElement("span"); b.className = "k"; b.textContent = k + ": ";
    var t = document.createElement("span"); t.textContent = v; t.dir = "auto";
    d.appendChild(b); d.appendChild(t); return d;
  }
  function mark(id, on) {
    document.querySelectorAll('[data-id="' + id + '"], .a[data-of="' + id + '"]').forEach(function (e) {
      e.classList.toggle("hl", on);
    });
  }
  function show(el) {
    var id = el.getAttribute("data-id");
    var m = byId(id) || el;
    hide();
    tip.textContent = "";
    tip.appendChild(line("label", m.getAttribute("data-label")));
    tip.appendChild(line("rule", m.getAttribute("data-rule")));
    tip.appendChild(line("text", m.getAttribute("data-text")));
    var args = JSON.parse(m.getAttribute("data-args") || "[]");
    args.forEach(function (a) { tip.appendChild(line(a[0], a[1])); });
    if (!args.length) tip.appendChild(line("arguments", "none"));
    var r = el.getBoundingClientRect();
    tip.hidden = false;
    var right = window.scrollX + document.documentElement.clientWidth - tip.offsetWidth - 4;
    var left = Math.max(4, Math.min(window.scrollX + r.left, right));
    tip.style.left = left + "px";
    tip.style.top = (window.scrollY + r.bottom + 6) + "px";
    shown = id; mark(id, true);
  }
  function hide() { if (shown !== null) { mark(shown, false); shown = null; } tip.hidden = true; }
  document.addEventListener("mouseover", function (e) {
    var m = e.target.closest && e.target.closest(".m");
    if (m) show(m); else if (!document.activeElement || !document.activeElement.classList.contains("m")) hide();
  });
  document.addEventListener("focusin", function (e) {
    if (e.target.classList && e.target.classList.contains("m")) show(e.target);
  });
  document.addEventListener("focusout", hide);
  document.addEventListener("keydown", function (e) { if (e.key === "Escape") hide(); });
  var onlyShown = document.getElementById("only-shown");
  function filter() {
    var off = {};
    document.querySelectorAll(".legend input[data-k]").forEach(function (c) {
      document.body.classList.toggle("off-" + c.getAttribute("data-k"), !c.checked);
      if (!c.checked) off[c.getAttribute("data-k")] = true;
    });
    document.querySelectorAll("section.doc").forEach(function (s) {
      var any = Array.prototype.some.call(s.querySelectorAll(".m:not(.cont)"), function (m) {
        return !off[m.getAttribute("data-k")];
      });
      s.hidden = onlyShown.checked && !any;
    });
  }
  document.querySelectorAll(".legend input, #only-shown").forEach(function (c) {
    c.addEventListener("change", filter);
  });
  filter();
})();
"""


def _label_css(k: int, colour: str) -> str:
    dark = darker(colour)
    return (f".m.l{k}, .chip.l{k}, .sw.l{k} {{ background: {colour}; }}\n"
            f".m.l{k} {{ border-color: {dark}; }}\n"
            f".a.al{k} {{ border-bottom-color: {dark}; }}\n"
            f"body.off-{k} .m.l{k} {{ background: transparent; border-color: transparent; cursor: auto; }}\n"
            f"body.off-{k} .m.l{k}::after {{ content: none; }}\n"
            f"body.off-{k} .a.al{k} {{ border-bottom-color: transparent; }}\n"
            f"body.off-{k} .a.al{k}::before {{ content: none; }}\n")


def _attr(s: str) -> str:
    return escape(s, quote=True)


def _arg_list(m: Mention) -> list[list[str]]:
    out = []
    for k, v in m.args.items():
        vals: Sequence[Arg] = v if isinstance(v, tuple) else (v,)
        out.append([k, " | ".join(a.text for a in vals)])
    return out


class HtmlSink(Sink):
    """Writes the report page: documents as they come (to a temporary file), the page on `close()`."""

    def __init__(self, out: IO[str], *, labels: Iterable[str] = (), title: str = "arabic-ie report",
                 pack_name: str | None = None, page_size: int = PAGE_SIZE, path: str | os.PathLike[str] | None = None
                 ) -> None:
        self.out = out
        self.title = title
        self.pack_name = pack_name
        self.page_size = max(0, page_size)
        self.path = Path(path) if path is not None else None   # page 1; pages 2.. are written beside it
        self.index: list[tuple[int, str, int, int]] = []      # (document number, id, mentions, page)
        self.label_index: dict[str, int] = {}
        for lab in labels:
            self._k(lab)
        self.label_counts: Counter = Counter()
        self.rule_counts: Counter = Counter()
        self.rule_label: dict[str, str] = {}
        self.documents = 0
        self.body = tempfile.TemporaryFile("w+", encoding="utf-8", newline="\n")
        self.bodies = [self.body]           # one temporary file per page
        self.closed = False

    def _k(self, label: str) -> int:
        k = self.label_index.get(label)
        if k is None:
            k = self.label_index[label] = len(self.label_index)
        return k

    def write(self, doc_id: str, text: str, mentions: Sequence[Mention]) -> None:
        """Add one document with its (output) mentions."""
        self.documents += 1
        n = self.documents
        ms = [m for m in mentions if 0 <= m.start < m.end <= len(text)]
        for m in ms:
            self.label_counts[m.label] += 1
            self.rule_counts[m.rule] += 1
            self.rule_label.setdefault(m.rule, m.label)
        if self.page_size and n > self.page_size * len(self.bodies):
            if self.path is None:       # one stream, one page: the rest is counted, not shown
                self.index.append((n, doc_id, len(ms), 0))
                return
            self.body = tempfile.TemporaryFile("w+", encoding="utf-8", newline="\n")
            self.bodies.append(self.body)
        self.index.append((n, doc_id, len(ms), len(self.bodies)))
        self.body.write(f'<section class="doc" id="doc{n}" aria-label="{_attr(doc_id)}">\n'
                        f'<h2 dir="ltr" lang="en"><b>{escape(doc_id)}</b> &middot; {len(ms)} '
                        f'mention{"s" if len(ms) != 1 else ""}</h2>\n'
                        f'<div class="text" dir="rtl" lang="ar">{self._layout(text, ms, n)}</div>\n</section>\n')

    def _layout(self, text: str, ms: Sequence[Mention], n: int) -> str:
        """The escaped text with properly nested elements for mentions and their arguments."""
        items: list[tuple[int, int, int, int, dict[str, Any]]] = []
        seq = 0
        for j, m in enumerate(sorted(ms, key=lambda m: (m.start, -m.end, m.label, m.rule))):
            mid = f"d{n}m{j + 1}"
            k = self._k(m.label)
            items.append((m.start, -m.end, 1, seq, {"kind": "m", "id": mid, "k": k, "m": m}))
            seq += 1
            for name, v in m.args.items():
                for a in (v if isinstance(v, tuple) else (v,)):
                    if 0 <= a.start < a.end <= len(text):
                        items.append((a.start, -a.end, 0, seq, {"kind": "a", "of": mid, "k": k, "name": name}))
                        seq += 1
        heap = [(s, ne, rank, sq, it, True) for s, ne, rank, sq, it in items]
        heapq.heapify(heap)
        out: list[str] = []
        stack: list[int] = []
        pos = 0

        def upto(p: int) -> None:
            nonlocal pos
            if p > pos:
                out.append(escape(text[pos:p], quote=False))
                pos = p

        while heap:
            s, ne, rank, sq, it, first = heapq.heappop(heap)
            e = -ne
            while stack and stack[-1] <= s:
                upto(stack.pop())
                out.append("</span>")
            if stack and stack[-1] < e:   # crosses the innermost open element: split at its end
                heapq.heappush(heap, (stack[-1], ne, rank, sq, it, False))
                e = stack[-1]
            if e <= s:
                continue
            upto(s)
            out.append(self._open(it, first))
            stack.append(e)
        while stack:
            upto(stack.pop())
            out.append("</span>")
        upto(len(text))
        return "".join(out)

    @staticmethod
    def _open(it: dict[str, Any], first: bool) -> str:
        if it["kind"] == "a":
            return (f'<span class="a al{it["k"]}{"" if first else " cont"}" data-of="{it["of"]}" '
                    f'data-arg="{_attr(it["name"])}">')
        m: Mention = it["m"]
        common = (f'class="m l{it["k"]}{"" if first else " cont"}" data-id="{it["id"]}" data-k="{it["k"]}" '
                  f'data-label="{_attr(m.label)}"')
        if not first:
            return f"<span {common}>"
        args = json.dumps(_arg_list(m), ensure_ascii=False)
        return (f'<span {common} tabindex="0" aria-describedby="tip" data-rule="{_attr(m.rule)}" '
                f'data-text="{_attr(m.text)}" data-args="{_attr(args)}">')

    def close(self) -> None:
        """Write the pages: head and counts, the page links, the documents, the script."""
        if self.closed:
            return
        self.closed = True
        pages = len(self.bodies)
        self._page(self.out.write, 1, pages)
        self.out.flush()
        if self.path is None:
            return
        for k in range(2, pages + 1):            # beside page 1, each written whole, then renamed into place
            target = self._page_path(k)
            fd, tmp = tempfile.mkstemp(dir=target.resolve().parent, prefix=f".{target.name}.", suffix=".tmp")
            try:
                with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
                    self._page(f.write, k, pages)
                os.replace(tmp, target)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        k = pages + 1
        while True:                              # pages left by an earlier, longer run: ours only
            stale = self._page_path(k)
            try:
                head = stale.read_text(encoding="utf-8", errors="replace")[:2000]
            except OSError:
                break
            if GENERATOR not in head:
                break
            stale.unlink(missing_ok=True)
            k += 1

    def _page_path(self, k: int) -> Path:
        """Page k's file: the output itself for page 1, `NAME-k.html` beside it for the others."""
        assert self.path is not None
        return self.path if k == 1 else self.path.with_name(f"{self.path.stem}-{k}{self.path.suffix or '.html'}")

    def _href(self, k: int) -> str:
        return escape(self._page_path(k).name, quote=True)

    def _nav(self, w: Any, k: int, pages: int) -> None:
        """Links to every page (the current one in bold)."""
        if pages < 2 or self.path is None:
            return
        w(f'<nav class="pages" dir="ltr" lang="en" aria-label="pages">Page {k} of {pages}: ')
        if k > 1:
            w(f'<a href="{self._href(k - 1)}" rel="prev">&laquo; previous</a>')
        for j in range(1, pages + 1):
            w(f"<b>{j}</b>" if j == k else f'<a href="{self._href(j)}">{j}</a>')
        if k < pages:
            w(f'<a href="{self._href(k + 1)}" rel="next">next &raquo;</a>')
        w("</nav>\n")

    def _page(self, w: Any, k: int, pages: int) -> None:
        """Write page k of `pages`: head and counts of the whole run, page links, its documents, the script."""
        labels = sorted(self.label_index, key=lambda lab: self.label_index[lab])
        css = _CSS % {"text": TEXT_COLOUR} + "".join(
            _label_css(self.label_index[lab], PALETTE[self.label_index[lab] % len(PALETTE)]) for lab in labels)
        script = _JS
        digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
        csp = (f"default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{digest}'; "
               "base-uri 'none'; form-action 'none'")
        total = sum(self.label_counts.values())
        w("<!DOCTYPE html>\n")
        w('<html lang="ar" dir="rtl">\n<head>\n<meta charset="utf-8">\n')
        w(f'<meta http-equiv="Content-Security-Policy" content="{csp}">\n')   # our own text, no quotes
        w('<meta name="viewport" content="width=device-width, initial-scale=1">\n')
        w(f'<meta name="generator" content="{GENERATOR}">\n')
        title = self.title + (f" (page {k} of {pages})" if pages > 1 and self.path is not None else "")
        w(f"<title>{escape(title)}</title>\n<style>{css}</style>\n</head>\n<body>\n")
        w('<header dir="ltr" lang="en">\n')
        w(f"<h1>{escape(self.title)}</h1>\n")
        pack = f" &middot; pack <b>{escape(self.pack_name)}</b>" if self.pack_name else ""
        w(f'<p id="summary">{self.documents} document{"s" if self.documents != 1 else ""} &middot; '
          f'{total} mention{"s" if total != 1 else ""}{pack}</p>\n')
        self._coverage(w, k, pages)
        w('<fieldset class="legend"><legend>Mentions per label (uncheck to hide a label)</legend>\n')
        for lab in labels:
            kk = self.label_index[lab]
            if not self.label_counts[lab]:
                continue   # a label of the pack that this run did not output (keeps its colour for other runs)
            w(f'<label class="chip l{kk}"><input type="checkbox" checked data-k="{kk}" '
              f'data-label="{_attr(lab)}"> {escape(lab)} <span class="n">{self.label_counts[lab]}</span></label>\n')
        w("</fieldset>\n")
        w('<div class="opts"><label><input type="checkbox" id="only-shown"> only documents with a shown '
          "label</label></div>\n")
        w(f'<details{" open" if k == 1 else ""}><summary>Mentions per rule</summary>\n<table class="rules">\n'
          "<thead><tr><th>rule</th><th>label</th><th>mentions</th></tr></thead>\n<tbody>\n")
        for rule, c in sorted(self.rule_counts.items(), key=lambda kv: (-kv[1], kv[0])):
            lab = self.rule_label[rule]
            w(f'<tr><td>{escape(rule)}</td><td><span class="sw l{self.label_index[lab]}"></span>{escape(lab)}'
              f'</td><td class="n">{c}</td></tr>\n')
        w("</tbody></table></details>\n")
        if k == 1 and pages > 1 and self.path is not None:
            self._index(w)
        self._nav(w, k, pages)
        w("</header>\n<main>\n")
        body = self.bodies[k - 1]
        body.seek(0)
        shutil.copyfileobj(body, _Writer(w))
        body.close()
        if not self.documents:
            w('<p class="empty" dir="ltr" lang="en">No documents.</p>\n')
        w("</main>\n")
        if pages > 1 and self.path is not None:
            w('<footer dir="ltr" lang="en">\n')
            self._nav(w, k, pages)
            w("</footer>\n")
        w('<div id="tip" role="tooltip" dir="ltr" lang="en" aria-live="polite" hidden></div>\n')
        w(f"<script>{script}</script>\n</body>\n</html>\n")

    def _coverage(self, w: Any, k: int, pages: int) -> None:
        """Which documents this page shows, when it does not show them all."""
        shown = [n for n, _, _, page in self.index if page == k]
        if len(shown) == self.documents:
            return
        span = f"{shown[0]:,}&ndash;{shown[-1]:,}" if shown else "none"
        if self.path is not None:
            w(f'<p class="note" id="coverage">Page {k} of {pages}: documents {span} of {self.documents:,}, '
              f"{self.page_size} per page so that each page opens quickly. The counts above and below cover "
              "every document; the index on page 1 lists them all.</p>\n")
        else:
            w(f'<p class="note" id="coverage">Showing documents {span} of {self.documents:,}: a report written '
              f"to standard output is one page of at most {self.page_size} documents. The counts cover every "
              "document. To see them all, write the report to a file (<code>--output report.html</code>: "
              "pages report.html, report-2.html, ...) or put everything on one page "
              "(<code>--html-page-size 0</code>, slow to open on large corpora).</p>\n")

    def _index(self, w: Any) -> None:
        """Page 1 of a paginated report: every document, its mentions, and a link to it."""
        w(f"<details><summary>Index of the {self.documents:,} documents</summary>\n"
          '<table class="index rules">\n<thead><tr><th>document</th><th>mentions</th><th>page</th></tr></thead>\n'
          "<tbody>\n")
        for n, doc_id, count, page in self.index:
            w(f'<tr><td><a href="{self._href(page)}#doc{n}">{escape(doc_id)}</a></td><td class="n">{count}</td>'
              f'<td class="n">{page}</td></tr>\n')
        w("</tbody></table></details>\n")


class _Writer:
    """A file-like `write` for `shutil.copyfileobj` over a page's write function."""

    def __init__(self, write: Any) -> None:
        self.write = write


def render_html(docs: Iterable[tuple[str, str, Sequence[Mention]]], **kw: Any) -> str:
    """The report page for `(doc_id, text, mentions)` triples, as a string (see `HtmlSink` for options)."""
    from io import StringIO
    buf = StringIO()
    sink = HtmlSink(buf, **kw)
    for doc_id, text, ms in docs:
        sink.write(doc_id, text, ms)
    sink.close()
    return buf.getvalue()
