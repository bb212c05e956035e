"""Robustness (#7): text from scrapers, PDFs and old archives never crashes a run.

Each case asserts the exact message shape (`file: ... at byte N`) and the exit code:
0 when every input was read, 3 when some input failed (the others are still processed).
Offsets in the output are always Python string offsets into the decoded text.
"""
from __future__ import annotations

import codecs
import io
import json
import os
import stat
from pathlib import Path

import pytest
from sample_packs import SENTENCE
from sample_packs import TINY as PACK

from dsl.cli.main import main
from dsl.io.inputs import InputDoc, InputProblem, decode, iter_inputs


@pytest.fixture()
def pack(tmp_path: Path) -> Path:
    p = tmp_path / "pack" / "tiny.yaml"
    p.parent.mkdir()
    p.write_text(PACK, encoding="utf-8")
    return p


def run(capsys: pytest.CaptureFixture[str], tmp_path: Path, pack: Path, *args: str
        ) -> tuple[int, list[dict], list[str]]:
    """`arabic-ie match` in-process: exit code, JSON records, stderr lines (tmp folder removed; no summary line)."""
    code = main(["match", "--quiet", "--no-cache", "--rules", str(pack), *args])
    out = capsys.readouterr()
    records = [json.loads(line) for line in out.out.splitlines()]
    return code, records, out.err.replace(str(tmp_path) + "/", "").splitlines()


def decoded(path: Path) -> str:
    """The text the offsets refer to: the file decoded exactly (BOM dropped, no newline translation)."""
    doc = decode(path.read_bytes(), str(path))
    assert isinstance(doc, InputDoc)
    return doc.text


def assert_offsets_slice(records: list[dict], texts: dict[str, str]) -> None:
    for r in records:
        text = texts[r["doc"]]
        assert text[r["start"]:r["end"]] == r["text"]
        for a in r["args"].values():
            for x in (a if isinstance(a, list) else [a]):
                assert text[x["start"]:x["end"]] == x["text"]


# --- invalid UTF-8 ---------------------------------------------------------------------------------------
def test_invalid_utf8_names_the_file_and_byte_offset_and_exits_3(capsys, tmp_path, pack):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(codecs.BOM_UTF8 + SENTENCE.encode() + b" \xc3\x28 " + SENTENCE.encode())
    good = tmp_path / "good.txt"
    good.write_text(SENTENCE, encoding="utf-8")
    code, records, err = run(capsys, tmp_path, pack, str(bad), str(good))
    offset = 3 + len(SENTENCE.encode()) + 1          # the BOM counts: it is a byte of the file
    assert code == 3
    assert err == [f"arabic-ie: bad.txt: invalid UTF-8 at byte {offset} "
                   "(use --encoding-errors replace or skip to read it anyway)"]
    assert [r["doc"] for r in records] == [str(good)]


@pytest.mark.parametrize("mode,verb,inserted", [("replace", "replaced", "\ufffd"), ("skip", "skipped", "")])
def test_encoding_errors_replace_or_skip_continue_and_count_the_bytes(capsys, tmp_path, pack, mode, verb, inserted):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\x80\x81\xfd " + SENTENCE.encode() + b" \x80")
    code, records, err = run(capsys, tmp_path, pack, "--encoding-errors", mode, str(bad))
    assert code == 0
    assert err == [f"arabic-ie: warning: 4 undecodable bytes were {verb}"]
    text = inserted * 3 + " " + SENTENCE + " " + inserted
    assert [r["text"] for r in records] == ["خليفة حفتر"]
    assert_offsets_slice(records, {str(bad): text})


# --- byte-order marks and line ends ----------------------------------------------------------------------
@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-16-le", "utf-16-be"])
def test_byte_order_marks_are_not_part_of_the_text(capsys, tmp_path, pack, encoding):
    f = tmp_path / "bom.txt"
    data = (SENTENCE + "\r\n").encode(encoding)
    if encoding in ("utf-16-le", "utf-16-be"):
        data = (codecs.BOM_UTF16_LE if encoding.endswith("le") else codecs.BOM_UTF16_BE) + data
    f.write_bytes(data)
    code, records, err = run(capsys, tmp_path, pack, str(f))
    assert code == 0 and err == []
    assert [(r["start"], r["end"], r["text"]) for r in records] == [(7, 17, "خليفة حفتر")]
    assert decoded(f) == SENTENCE + "\r\n"


def test_invalid_utf16_names_the_byte_and_can_be_replaced(capsys, tmp_path, pack):
    f = tmp_path / "u16.txt"
    f.write_bytes(codecs.BOM_UTF16_LE + "ab".encode("utf-16-le") + b"\x00\xd8" + SENTENCE.encode("utf-16-le"))
    code, records, err = run(capsys, tmp_path, pack, str(f))
    assert code == 3 and records == []
    assert err == ["arabic-ie: u16.txt: invalid UTF-16 at byte 6 "
                   "(use --encoding-errors replace or skip to read it anyway)"]
    code, records, err = run(capsys, tmp_path, pack, "--encoding-errors", "replace", str(f))
    assert code == 0 and err == ["arabic-ie: warning: 2 undecodable bytes were replaced"]
    assert_offsets_slice(records, {str(f): "ab\ufffd" + SENTENCE})
    assert [r["text"] for r in records] == ["خليفة حفتر"]


def test_crlf_and_lone_cr_line_ends_keep_offsets_exact(capsys, tmp_path, pack):
    f = tmp_path / "lines.txt"
    text = f"{SENTENCE}\r\n{SENTENCE}\r{SENTENCE}\n\r\n{SENTENCE}"
    f.write_bytes(text.encode())
    code, records, err = run(capsys, tmp_path, pack, str(f))
    assert code == 0 and err == []
    assert [r["start"] for r in records] == [7, 26, 44, 64]
    assert_offsets_slice(records, {str(f): text})


# --- odd characters ---------------------------------------------------------------------------------------
def test_nul_bytes_and_control_characters_in_a_named_file_are_text(capsys, tmp_path, pack):
    f = tmp_path / "odd.txt"
    text = "\x00\x01\x1b[31m " + SENTENCE + "\x7f\x0c\u200f\u202e\x00\x08" + SENTENCE + "\x00\x1f"
    f.write_bytes(text.encode())
    code, records, err = run(capsys, tmp_path, pack, str(f))
    assert code == 0 and err == []                  # named explicitly: read, not skipped as binary
    assert len(records) == 2
    assert_offsets_slice(records, {str(f): text})


def test_an_empty_file_gives_no_output_and_no_error(capsys, tmp_path, pack):
    f = tmp_path / "empty.txt"
    f.write_bytes(b"")
    assert run(capsys, tmp_path, pack, str(f)) == (0, [], [])
    bom_only = tmp_path / "bom.txt"
    bom_only.write_bytes(codecs.BOM_UTF8)
    assert run(capsys, tmp_path, pack, str(bom_only)) == (0, [], [])


# --- folders: binary files, links, devices, unreadable files ---------------------------------------------
def test_a_binary_file_in_a_folder_is_skipped_with_a_warning(capsys, tmp_path, pack):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(SENTENCE, encoding="utf-8")
    (corpus / "b.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    code, records, err = run(capsys, tmp_path, pack, str(corpus))
    assert code == 0                                   # a skip is a warning, not a failure
    assert err == ["arabic-ie: warning: corpus/b.txt: skipped: looks like a binary file (NUL bytes)"]
    assert [r["doc"] for r in records] == [str(corpus / "a.txt")]


def test_broken_symlinks_are_reported_and_the_run_goes_on(capsys, tmp_path, pack):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(SENTENCE, encoding="utf-8")
    (corpus / "gone.txt").symlink_to(tmp_path / "nowhere.txt")
    code, records, err = run(capsys, tmp_path, pack, str(corpus))
    assert code == 3
    assert err == ["arabic-ie: corpus/gone.txt: cannot read: broken symbolic link"]
    assert [r["doc"] for r in records] == [str(corpus / "a.txt")]
    code, records, err = run(capsys, tmp_path, pack, str(corpus / "gone.txt"), str(corpus / "a.txt"))
    assert code == 3 and err == ["arabic-ie: corpus/gone.txt: cannot read: broken symbolic link"]
    assert len(records) == 1


def test_devices_and_fifos_in_a_folder_are_skipped_not_read_forever(capsys, tmp_path, pack):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(SENTENCE, encoding="utf-8")
    (corpus / "zero.txt").symlink_to("/dev/zero")
    os.mkfifo(corpus / "pipe.txt")
    code, records, err = run(capsys, tmp_path, pack, str(corpus))
    assert code == 0
    assert err == ["arabic-ie: warning: corpus/pipe.txt: skipped: not a regular file",
                   "arabic-ie: warning: corpus/zero.txt: skipped: not a regular file"]
    assert len(records) == 1


def test_an_unreadable_file_is_reported_and_the_run_goes_on(capsys, tmp_path, pack, monkeypatch):
    locked = tmp_path / "locked.txt"
    locked.write_text(SENTENCE, encoding="utf-8")
    good = tmp_path / "good.txt"
    good.write_text(SENTENCE, encoding="utf-8")
    real = Path.open

    def open_(self: Path, *args, **kw):   # the open as a user without permission sees it
        if self.name == "locked.txt":
            raise PermissionError(13, "Permission denied")
        return real(self, *args, **kw)
    monkeypatch.setattr(Path, "open", open_)
    code, records, err = run(capsys, tmp_path, pack, str(locked), str(good))
    assert code == 3
    assert err == ["arabic-ie: locked.txt: cannot read: Permission denied"]
    assert [r["doc"] for r in records] == [str(good)]


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0,
                    reason="running as root: chmod 000 does not stop root from reading "
                           "(the monkeypatched test above covers the message)")
def test_a_chmod_000_file_is_reported(capsys, tmp_path, pack):
    locked = tmp_path / "locked.txt"
    locked.write_text(SENTENCE, encoding="utf-8")
    locked.chmod(0)
    try:
        code, records, err = run(capsys, tmp_path, pack, str(locked))
    finally:
        locked.chmod(stat.S_IRUSR | stat.S_IWUSR)
    assert (code, records, err) == (3, [], ["arabic-ie: locked.txt: cannot read: Permission denied"])


# --- JSON Lines ------------------------------------------------------------------------------------------
def test_json_lines_split_on_newlines_only(capsys, tmp_path, pack):
    f = tmp_path / "docs.jsonl"
    texts = [f"{SENTENCE}\u2028{SENTENCE}", f"\x85{SENTENCE}\x1c"]
    f.write_text("\r\n".join(json.dumps({"id": f"d{k}", "body": t}, ensure_ascii=False)
                             for k, t in enumerate(texts)) + "\r\n", encoding="utf-8")
    code, records, err = run(capsys, tmp_path, pack, "--jsonl-field", "body", "--id-field", "id", str(f))
    assert code == 0 and err == []
    assert [r["doc"] for r in records] == ["d0", "d0", "d1"]
    assert_offsets_slice(records, {f"d{k}": t for k, t in enumerate(texts)})


def test_lone_surrogates_in_json_are_an_encoding_error(capsys, tmp_path, pack):
    f = tmp_path / "docs.jsonl"
    f.write_text('{"body": "a\\ud800b ' + SENTENCE + '"}\n', encoding="utf-8")
    code, records, err = run(capsys, tmp_path, pack, "--jsonl-field", "body", str(f))
    assert (code, records) == (3, [])
    assert err == ["arabic-ie: docs.jsonl:1: lone surrogate U+D800 at character 1 "
                   "(use --encoding-errors replace or skip to read it anyway)"]
    code, records, err = run(capsys, tmp_path, pack, "--jsonl-field", "body", "--encoding-errors", "replace", str(f))
    assert code == 0 and err == ["arabic-ie: warning: 1 undecodable bytes were replaced"]
    assert_offsets_slice(records, {f"{f}:1": "a\ufffdb " + SENTENCE})


def test_decoding_counts_are_per_call_and_thread_safe():
    from concurrent.futures import ThreadPoolExecutor
    data = [b"\xff" * k + SENTENCE.encode() for k in range(1, 200)]
    with ThreadPoolExecutor(4) as pool:
        docs = list(pool.map(lambda d: decode(d, "x", "replace"), data))
    assert [d.replaced for d in docs] == list(range(1, 200))


def test_iter_inputs_yields_a_problem_per_bad_input_never_raises(tmp_path):
    (tmp_path / "dir.txt").mkdir()
    items = list(iter_inputs([str(tmp_path / "missing.txt"), str(tmp_path / "dir.txt" / "x.txt")]))
    assert all(isinstance(i, InputProblem) for i in items)
    assert [i.message for i in items] == ["cannot read: no such file", "cannot read: no such file"]


def test_a_document_over_the_size_limit_is_refused_not_read_into_memory(capsys, tmp_path, pack):
    big = tmp_path / "big.txt"
    big.write_text(SENTENCE + " " + "و" * 2_000_000, encoding="utf-8")      # 4 MB
    small = tmp_path / "small.txt"
    small.write_text(SENTENCE, encoding="utf-8")
    code, records, err = run(capsys, tmp_path, pack, "--max-document-mb", "1", str(big), str(small))
    assert code == 3
    assert err == ["arabic-ie: big.txt: larger than 1 MiB (limit MAX_DOCUMENT_BYTES): split it, or raise the "
                   "limit with --max-document-mb"]
    assert [r["doc"] for r in records] == [str(small)]
    code, records, err = run(capsys, tmp_path, pack, "--max-document-mb", "8", str(big))
    assert (code, len(records), err) == (0, 1, [])
    items = list(iter_inputs(["-"], stdin=io.BytesIO(big.read_bytes()), max_bytes=1024))
    assert items == [InputProblem("-", "larger than 1024 bytes (limit MAX_DOCUMENT_BYTES): split it, or "
                                       "raise the limit with --max-document-mb")]


def test_json_lines_are_read_line_by_line_and_a_bad_line_is_its_own_problem(capsys, tmp_path, pack):
    f = tmp_path / "docs.jsonl"
    good = json.dumps({"body": SENTENCE}, ensure_ascii=False).encode()
    bad = b'{"body": "\xff ' + SENTENCE.encode() + b'"}'
    long = json.dumps({"body": "و" * 1_000_000}).encode()                # 6 MB on one line
    f.write_bytes(codecs.BOM_UTF8 + good + b"\n" + bad + b"\r\n" + long + b"\n\n" + good + b"\n")
    code, records, err = run(capsys, tmp_path, pack, "--jsonl-field", "body", "--max-document-mb", "1", str(f))
    assert code == 3
    offset = 3 + len(good) + 1 + len(b'{"body": "')
    assert err == [f"arabic-ie: docs.jsonl:2: invalid UTF-8 at byte {offset} of the file (use --encoding-errors "
                   "replace or skip to read it anyway)",
                   "arabic-ie: docs.jsonl:3: larger than 1 MiB (limit MAX_DOCUMENT_BYTES): split it, or raise the "
                   "limit with --max-document-mb"]
    assert [r["doc"] for r in records] == [f"{f}:1", f"{f}:5"]
    code, records, err = run(capsys, tmp_path, pack, "--jsonl-field", "body", "--encoding-errors", "replace",
                             "--max-document-mb", "1", str(f))
    assert [r["doc"] for r in records] == [f"{f}:1", f"{f}:2", f"{f}:5"]
    assert err[-1] == "arabic-ie: warning: 1 undecodable bytes were replaced"
    assert_offsets_slice(records, {f"{f}:1": SENTENCE, f"{f}:2": "\ufffd " + SENTENCE, f"{f}:5": SENTENCE})


def test_json_lines_in_utf16_and_from_standard_input(tmp_path):
    text = json.dumps({"body": SENTENCE}, ensure_ascii=False) + "\n"
    f = tmp_path / "u16.jsonl"
    f.write_bytes((text * 2).encode("utf-16"))
    assert [d.text for d in iter_inputs([str(f)], jsonl_field="body")] == [SENTENCE, SENTENCE]
    stdin = io.BytesIO((text * 3).encode())
    assert [d.id for d in iter_inputs(["-"], jsonl_field="body", stdin=stdin)] == ["-:1", "-:2", "-:3"]
