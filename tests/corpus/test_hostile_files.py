"""Hostile and messy coverage files: each is skipped or read with a warning, never
allowed to crash the load, leak a file from outside the corpus or lose text silently;
the rest of the corpus still loads."""

from __future__ import annotations

import codecs
import errno
import json
import os
from pathlib import Path

import pytest

from bot.answer import Answerer
from bot.cli import main
from bot.corpus import load_corpus
from bot.corpus.structure import MAX_PASSAGE_CHARS

GOOD = "---\nheadline: Good\ndate: 2020-01-08\n---\nFine text.\n"


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def headlines(folder: Path) -> list[str]:
    return [a.headline for a in load_corpus(folder).corpus.articles]


def messages(folder: Path) -> list[str]:
    return [str(w) for w in load_corpus(folder).warnings]


# YAML front matter


def laughs(levels: int) -> str:
    """Front matter whose caption, expanded, is 9 ** levels strings (the "billion laughs")."""
    lines = ['l0: &l0 "lol"']
    lines += [f"l{n}: &l{n} [{', '.join([f'*l{n - 1}'] * 9)}]" for n in range(1, levels + 1)]
    return "\n".join(["---", "headline: Laughs", "date: 2020-01-08", *lines])


def test_yaml_aliases_in_front_matter_skip_the_file(tmp_path: Path) -> None:
    write(tmp_path, "good.md", GOOD)
    write(tmp_path, "laughs.md", laughs(6) + "\ncaption: *l6\n---\nText.\n")
    write(tmp_path, "billion.md", laughs(9) + "\ncaption: *l9\n---\nText.\n")
    assert headlines(tmp_path) == ["Good"]
    assert messages(tmp_path) == [
        f"{tmp_path / name}:4: front matter is not valid YAML: "
        "anchors and aliases (&name, *name) are not allowed"
        for name in ("billion.md", "laughs.md")
    ]


@pytest.mark.parametrize(
    ("front_matter", "message"),
    [
        ("caption: [a, b]", ":1: front matter 'caption' must be text, not a list"),
        ("source: {name: Wire}", ":1: front matter 'source' must be text, not a mapping"),
        ("url: yes", ":1: front matter 'url' must be text, not true/false"),
        ("caption: " + "[" * 5000 + "]" * 5000, ":4: front matter is not valid YAML: nested"),
        ("caption: " + "x" * 70_000, ":1: front matter is longer than 64 KB"),
        ("caption: x", ":1: front matter has no closing '---' line"),
    ],
)
def test_front_matter_that_is_not_plain_text_skips_the_file(
    tmp_path: Path, front_matter: str, message: str
) -> None:
    write(tmp_path, "good.md", GOOD)
    body = "\n---\nText.\n" if "closing" not in message else "\nText.\n"
    write(tmp_path, "bad.md", f"---\nheadline: Bad\ndate: 2020-01-08\n{front_matter}{body}")
    assert headlines(tmp_path) == ["Good"]
    [warning] = messages(tmp_path)
    assert warning.startswith(f"{tmp_path / 'bad.md'}{message}")


# Encodings


def test_a_bad_byte_in_a_jsonl_file_skips_only_its_line(tmp_path: Path) -> None:
    records = [
        {"headline": "Café opens", "date": "2020-01-08", "body": "Crème brûlée."},
        {"headline": "Broken", "date": "2020-01-08", "body": "Bad byte."},
        {"headline": "Third", "date": "2020-01-08", "body": "Still read."},
    ]
    lines = [json.dumps(record, ensure_ascii=False) for record in records]
    raw = "\n".join(lines).encode("utf-8").replace(b"Bad byte", b"Bad \xff byte")
    (tmp_path / "wire.jsonl").write_bytes(raw)
    assert headlines(tmp_path) == ["Café opens", "Third"]
    bad = lines[1].index(" byte") + 1
    assert messages(tmp_path) == [
        f"{tmp_path / 'wire.jsonl'}:2: not UTF-8 text (byte {bad} of the line)"
    ]


@pytest.mark.parametrize(
    ("encoding", "raw_extra", "name"),
    [("cp1252", b"", "Windows-1252"), ("latin-1", b"\x81", "Latin-1")],
)
def test_windows_1252_and_latin_1_files_are_read_with_a_warning(
    tmp_path: Path, encoding: str, raw_extra: bytes, name: str
) -> None:
    text = "---\nheadline: Café society\ndate: 2020-01-08\n---\nThe café's crème brûlée.\n"
    (tmp_path / "old.md").write_bytes(text.encode(encoding) + raw_extra)
    loaded = load_corpus(tmp_path)
    [article] = loaded.corpus.articles
    assert article.headline == "Café society"
    assert article.passages[0].text.startswith("The café's crème brûlée.")
    assert [str(w) for w in loaded.warnings] == [
        f"{tmp_path / 'old.md'}: not UTF-8, so read as {name}"
    ]
    assert not loaded.warnings[0].skipped


def test_windows_1252_curly_quotes_in_a_scraped_page(tmp_path: Path) -> None:
    page = "Jan 8, 2020\nHeadline\n\x93We are ready,\x94 he said \x96 calmly.\n"
    (tmp_path / "page.txt").write_bytes(page.encode("latin-1"))
    [article] = load_corpus(tmp_path).corpus.articles
    assert article.passages[0].text == "“We are ready,” he said – calmly."


def test_utf8_file_with_a_stray_byte_keeps_its_accents(tmp_path: Path) -> None:
    text = "---\nheadline: Café\ndate: 2020-01-08\n---\nCrème brûlée.\n\nA stray X byte.\n"
    raw = text.encode("utf-8").replace(b"X", b"\xff")
    (tmp_path / "a.md").write_bytes(raw)
    loaded = load_corpus(tmp_path)
    [article] = loaded.corpus.articles
    assert [p.text for p in article.passages] == ["Crème brûlée.", "A stray \ufffd byte."]
    [warning] = loaded.warnings
    bad = raw.index(b"\xff")
    assert warning.message == f"not valid UTF-8 at byte {bad}; the bad bytes were replaced"


def test_files_with_nul_bytes_stay_binary(tmp_path: Path) -> None:
    write(tmp_path, "good.md", GOOD)
    (tmp_path / "no-mark.md").write_bytes(GOOD.replace("Good", "Plain").encode("utf-16-le"))
    assert headlines(tmp_path) == ["Good"]
    assert messages(tmp_path) == [f"{tmp_path / 'no-mark.md'}: looks like a binary file, not text"]


def test_utf16_with_its_byte_order_mark_and_old_mac_line_ends_are_read(tmp_path: Path) -> None:
    """Notepad's "Unicode" had been called binary, and a file with CR line ends had been
    said to have no headline."""
    (tmp_path / "notepad.md").write_bytes(GOOD.replace("Good", "Notepad").encode("utf-16"))
    (tmp_path / "old-mac.md").write_bytes(
        GOOD.replace("Good", "Old Mac").replace("Fine", "Old").encode().replace(b"\n", b"\r")
    )
    (tmp_path / "empty.md").write_bytes(b"\n")
    (tmp_path / "mark-only.md").write_bytes(codecs.BOM_UTF16_LE + " \n".encode("utf-16-le"))
    (tmp_path / "utf32.md").write_bytes(GOOD.encode("utf-32"))
    (tmp_path / "daggers.md").write_bytes("††".encode("utf-16"))  # "†" is 20 20, as spaces
    assert sorted(headlines(tmp_path)) == ["Notepad", "Old Mac"]
    assert not any(
        m.startswith(f"{tmp_path / 'daggers.md'}: the file is empty") for m in messages(tmp_path)
    )
    assert [m for m in messages(tmp_path) if "daggers" not in m] == [
        f"{tmp_path / 'empty.md'}: the file is empty",
        f"{tmp_path / 'mark-only.md'}: the file is empty",
        f"{tmp_path / 'utf32.md'}: UTF-32 text, which is not read; save it as UTF-8",
    ]


# Warnings before the empty-corpus error, in every command that loads


@pytest.mark.parametrize(
    "argv",
    [
        ["ask", "What happened?"],
        ["chat"],
        ["summary"],
        ["evaluate", "--questions", "q.jsonl"],
        ["sync"],
        ["run"],
    ],
)
def test_warnings_are_printed_before_the_empty_corpus_error(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DISCORD_TOKEN", "not-a-real-token")  # run and sync read it first
    corpus = tmp_path / "corpus"
    write(corpus, "laughs.md", laughs(2) + "\ncaption: *l2\n---\nText.\n")
    code = main(["--corpus", str(corpus), *argv])
    err = capsys.readouterr().err.splitlines()
    assert code == 1
    assert err == [
        f"warning: skipped {corpus / 'laughs.md'}:4: front matter is not valid YAML: "
        "anchors and aliases (&name, *name) are not allowed",
        f"coverage-bot: the corpus at {corpus} has no articles with text, so there is nothing "
        "to answer from; add .txt, .md, .jsonl or .html files to it",
    ]


def test_index_prints_warnings_before_the_empty_corpus_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "corpus", "empty.txt", "")
    code = main(["index", str(tmp_path / "corpus"), "--out", str(tmp_path / "index")])
    err = capsys.readouterr().err.splitlines()
    assert code == 1
    assert err[-2:] == [
        f"warning: skipped {tmp_path / 'corpus' / 'empty.txt'}: the file is empty",
        f"coverage-bot: the corpus at {tmp_path / 'corpus'} has no articles with text, so "
        "there is nothing to answer from; add .txt, .md, .jsonl or .html files to it",
    ]
    assert not (tmp_path / "index").exists()


def test_a_file_read_anyway_is_a_warning_not_a_skip(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "old.md").write_bytes(GOOD.replace("Fine", "Fin\xe9").encode("cp1252"))
    assert main(["--corpus", str(tmp_path), "articles"]) == 0
    err = capsys.readouterr().err
    assert err == f"warning: {tmp_path / 'old.md'}: not UTF-8, so read as Windows-1252\n"


# Symbolic links


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A corpus folder with one good article, beside a folder of things outside it."""
    write(tmp_path / "corpus", "good.md", GOOD)
    write(tmp_path / "outside", "secret.txt", "Jan 8, 2020\nSecret\nThe password is hunter2.\n")
    return tmp_path / "corpus"


def test_links_out_of_the_corpus_are_not_followed(corpus: Path) -> None:
    outside = corpus.parent / "outside"
    (corpus / "passwd.txt").symlink_to(outside / "secret.txt")
    (corpus / "elsewhere").symlink_to(outside, target_is_directory=True)
    (corpus / "sub").mkdir()
    (corpus / "sub" / "up.txt").symlink_to("../../outside/secret.txt")
    (corpus / "notes.csv").symlink_to(outside / "secret.txt")  # not coverage: no warning
    loaded = load_corpus(corpus)
    assert [a.headline for a in loaded.corpus.articles] == ["Good"]
    assert [str(w) for w in loaded.warnings] == [
        f"{corpus / name}: not followed: the link leads out of the corpus"
        for name in ("elsewhere", "passwd.txt", "sub/up.txt")
    ]


def test_broken_and_looping_links_warn(corpus: Path) -> None:
    (corpus / "gone.md").symlink_to(corpus / "nowhere.md")
    (corpus / "a.md").symlink_to(corpus / "b.md")
    (corpus / "b.md").symlink_to(corpus / "a.md")
    (corpus / "sub").mkdir()
    (corpus / "sub" / "back").symlink_to("..", target_is_directory=True)
    assert headlines(corpus) == ["Good"]
    assert messages(corpus) == [
        f"{corpus / 'a.md'}: link loop: it leads back to itself",
        f"{corpus / 'b.md'}: link loop: it leads back to itself",
        f"{corpus / 'gone.md'}: broken link: what it points to is not there",
        f"{corpus / 'sub' / 'back'}: link loop: it leads back to a folder it is in",
    ]


def test_links_inside_the_corpus_are_read_once(corpus: Path) -> None:
    write(corpus / ".drafts", "draft.md", "---\ntitle: Draft\ndate: 2020-01-09\n---\nA draft.\n")
    (corpus / "alias.md").symlink_to(corpus / "good.md")
    (corpus / "published.md").symlink_to(corpus / ".drafts" / "draft.md")
    (corpus / "again").symlink_to(corpus, target_is_directory=False)
    (corpus / "z").mkdir()
    (corpus / "z" / "good-again.md").symlink_to("../good.md")
    loaded = load_corpus(corpus)
    assert [(a.headline, a.source) for a in loaded.corpus.articles] == [
        ("Good", "good.md"),
        ("Draft", "published.md"),
    ]
    assert [str(w) for w in loaded.warnings] == [
        f"{corpus / 'again'}: link loop: it leads back to a folder it is in"
    ]


def test_an_unreadable_folder_warns_and_the_rest_loads(
    corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(corpus / "locked", "hidden-away.md", GOOD.replace("Good", "Locked"))
    scandir = os.scandir

    def refusing_scandir(path: Path) -> object:
        if Path(path).name == "locked":  # the tests run as root, which chmod cannot stop
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return scandir(path)

    monkeypatch.setattr(os, "scandir", refusing_scandir)
    assert headlines(corpus) == ["Good"]
    assert messages(corpus) == [f"{corpus / 'locked'}: folder cannot be read: Permission denied"]


# Markdown and merging


def test_markdown_nested_past_the_parser_limit_keeps_its_text(tmp_path: Path) -> None:
    deep_list = "".join("  " * n + f"- level {n}\n" for n in range(12))
    body = "> " * 25 + "Deep quote text.\n\n" + deep_list + "\nAfter the list.\n"
    write(tmp_path, "deep.md", "---\nheadline: Deep\ndate: 2020-01-08\n---\n" + body)
    loaded = load_corpus(tmp_path)
    [article] = loaded.corpus.articles
    texts = [p.text for p in article.passages]
    assert texts == ["Deep quote text.", *(f"level {n}" for n in range(12)), "After the list."]
    assert [w.message for w in loaded.warnings] == [
        "lists or quotes nested deeper than the Markdown parser reads (20 levels) were read "
        "as plain paragraphs"
    ]


def test_an_article_whose_text_is_all_elsewhere_is_not_listed_empty(tmp_path: Path) -> None:
    lines = [
        {"headline": "Live updates", "date": "2020-01-07", "body": "Same text."},
        {"headline": "Live updates", "date": "2020-01-08", "body": "Same text."},
        {"headline": "Other", "date": "2020-01-08", "body": "Other text."},
    ]
    write(tmp_path, "live.jsonl", "\n".join(json.dumps(line) for line in lines))
    articles = load_corpus(tmp_path).corpus.articles
    assert [(a.id, len(a.passages)) for a in articles] == [
        ("live-updates-a17639", 1),
        ("other-5fdd5b", 1),
    ]


# Urls


def test_urls_that_are_not_http_are_dropped_with_a_warning(tmp_path: Path) -> None:
    write(tmp_path, "a.md", GOOD.replace("date:", "url: javascript:alert(1)\ndate:"))
    record = {"headline": "Wire", "date": "2020-01-08", "body": "Text.", "url": "file:///etc"}
    ok = {"headline": "Linked", "date": "2020-01-08", "body": "More.", "url": "https://x.org/a"}
    write(tmp_path, "b.jsonl", f"{json.dumps(ok)}\n{json.dumps(record)}\n")
    loaded = load_corpus(tmp_path)
    urls = [(a.headline, a.url) for a in loaded.corpus.articles]
    assert urls == [("Good", None), ("Linked", "https://x.org/a"), ("Wire", None)]
    assert [str(w) for w in loaded.warnings] == [
        f"{tmp_path / 'a.md'}:1: url 'javascript:alert(1)' left out: not an http(s) address",
        f"{tmp_path / 'b.jsonl'}:2: url 'file:///etc' left out: not an http(s) address",
    ]


def test_a_file_whose_name_is_not_utf8_is_skipped_and_the_index_still_answers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A Latin-1 name (an old disk, an unpacked archive) had made every command fail with a
    traceback, and an index built before the file came."""
    monkeypatch.chdir(tmp_path)
    corpus = tmp_path / "corpus"
    write(corpus, "library.md", "---\nheadline: Library closes\n---\nThe library closed.\n")
    assert main(["index", str(corpus), "--out", "idx"]) == 0
    latin1 = os.fsencode(corpus) + b"/caf\xe9.md"
    with open(latin1, "w", encoding="utf-8") as file:
        file.write("---\nheadline: Cafe opens\n---\nThe cafe opened.\n")
    os.mkdir(os.fsencode(corpus) + b"/archiv\xe9")
    capsys.readouterr()
    assert main(["ask", "--index", "idx", "--json", "When did the library close?"]) == 0
    assert json.loads(capsys.readouterr().out)["answer"]["headline"] == "Library closes"
    assert main(["index", str(corpus), "--out", "idx2"]) == 0
    assert main(["--corpus", str(corpus), "articles", "--json"]) == 0
    warned = capsys.readouterr().err.splitlines()
    for name in ("archiv\N{REPLACEMENT CHARACTER}", "caf\N{REPLACEMENT CHARACTER}.md"):
        assert (
            f"warning: skipped {corpus / name}: its name is not valid UTF-8 (rename it)" in warned
        )


def test_a_paragraph_of_a_megabyte_is_read_as_passages_of_bounded_length(tmp_path: Path) -> None:
    """A transcript with no blank lines had been one passage, and every question on it
    spent minutes splitting it into sentences."""
    said = (f"Member {n} spoke on the harbour budget on Friday. " for n in range(20_000))
    text = "".join(said) + "The ferry fare rises to $4 in May."
    write(tmp_path, "transcript.md", f"---\nheadline: Council transcript\n---\n{text}\n")
    [article] = load_corpus(tmp_path).corpus.articles
    pieces = [passage.text for passage in article.passages]
    assert all(len(piece) <= MAX_PASSAGE_CHARS for piece in pieces)
    assert len(pieces) > 200 and all(p.endswith("Friday.") for p in pieces[:-1])  # sentences
    assert " ".join(pieces) == text
    answer = Answerer(load_corpus(tmp_path).corpus).answer("How much is the ferry fare?")
    assert answer.sentence == "The ferry fare rises to $4 in May."


def refuse_to_open(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """Files called ``name`` cannot be opened, as chmod 000 would make them for anyone but
    root, whom the tests run as."""
    opened = Path.open

    def refusing_open(path: Path, *args: object, **kwargs: object) -> object:
        if path.name == name:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return opened(path, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(Path, "open", refusing_open)


def test_index_skips_a_file_it_cannot_read_as_the_loader_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """It had stopped the whole build, saying it could not *write* the index."""
    corpus = tmp_path / "corpus"
    write(corpus, "library.md", "---\nheadline: Library closes\n---\nThe library closed.\n")
    write(corpus, "secret.md", "---\nheadline: Quarry\n---\nThe quarry closed.\n")
    refuse_to_open(monkeypatch, "secret.md")
    assert main(["index", str(corpus), "--out", str(tmp_path / "idx")]) == 0
    err = capsys.readouterr().err.splitlines()
    assert f"warning: skipped {corpus / 'secret.md'}: cannot be read: Permission denied" in err
    assert main(["ask", "--index", str(tmp_path / "idx"), "--json", "library"]) == 0
    assert json.loads(capsys.readouterr().out)["answer"]["headline"] == "Library closes"


def test_a_line_break_in_a_file_name_cannot_forge_a_warning_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = tmp_path / "corpus"
    write(corpus, "library.md", "---\nheadline: Library closes\n---\nThe library closed.\n")
    write(corpus, "nl\nwarning: fake.md", "---\nheadline: [x\n---\nbody\n")
    assert main(["--corpus", str(corpus), "articles", "--json"]) == 0
    warned = [line for line in capsys.readouterr().err.splitlines() if "fake" in line]
    assert len(warned) == 1
    assert warned[0].startswith(f"warning: skipped {corpus}/nl\\nwarning: fake.md:")


def test_an_update_skips_a_file_it_cannot_read_and_takes_in_the_rest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = tmp_path / "corpus"
    write(corpus, "library.md", "---\nheadline: Library closes\n---\nThe library closed.\n")
    secret = write(corpus, "secret.md", "---\nheadline: Quarry\n---\nThe quarry closed.\n")
    assert main(["index", str(corpus), "--out", str(tmp_path / "idx")]) == 0
    secret.write_text("---\nheadline: Quarry\n---\nThe quarry closed for good.\n")
    write(corpus, "harbour.md", "---\nheadline: Harbour dredged\n---\nThe harbour was dredged.\n")
    refuse_to_open(monkeypatch, "secret.md")
    capsys.readouterr()
    assert main(["ask", "--index", str(tmp_path / "idx"), "--json", "harbour dredged"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["answer"]["headline"] == "Harbour dredged"
    assert f"warning: skipped {secret}: cannot be read: Permission denied" in captured.err
