"""``coverage-bot``: the same answers as the Discord bot, from a terminal."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
import json
import os
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO, BinaryIO, NoReturn

from rich.console import Console
from rich.progress import Progress

from bot.answer import BM25_ONLY, MAX_QUESTION_CHARS, Answerer, QuestionError, Ranking
from bot.config import MAX_TOP, Settings, SettingsError, load_settings
from bot.corpus import CorpusNotFoundError, CorpusView, LoadWarning
from bot.cross_encoder import load_cross_encoder
from bot.embedding import EmbeddingUnavailable
from bot.index import IndexLoadError
from bot.index_folder import IndexFolderError
from bot.knowledge import (
    KNOWLEDGE_ERRORS,
    EmptyCorpusError,
    Knowledge,
    build_index,
    load_knowledge,
    read_corpus,
)
from bot.report_command import ReportError, parse_since, report_text
from bot.rerank import load_reranker
from bot.squad import LEFT_OUT_EVERY
from bot.store import indexed_corpus
from bot.summary import (
    ARTICLE_SENTENCES,
    STORY_SENTENCES,
    TOPIC_SENTENCES,
    ArticleNotFound,
    SummaryError,
    TopicNotCovered,
    summarize_article,
    summarize_story,
    summarize_topic,
)
from bot.terminal import (
    answer_json,
    article_json,
    json_text,
    output_console,
    plain,
    plain_line,
    render_answer,
    render_articles,
    render_summary,
    summary_json,
)
from bot.version import version

EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


class CommandError(Exception):
    """A failure to report in one sentence, with the exit code to leave with."""

    def __init__(self, message: str, code: int = EXIT_FAILURE) -> None:
        super().__init__(message)
        self.code = code


def user_path(text: str) -> Path:
    """A path as typed: ``~`` is the home folder even where no shell expanded it
    (``--corpus=~/news``)."""
    return Path(text).expanduser()


class _Parser(argparse.ArgumentParser):
    """argparse's parser, except that help, the version and usage errors that cannot be
    written (a full disk behind ``> file``) fail as any command's output does, where
    argparse would drop them and exit 0."""

    def _print_message(self, message: str, file: IO[str] | None = None) -> None:
        if message:
            (file or sys.stderr).write(message)

    def error(self, message: str) -> NoReturn:
        """argparse's usage error; for a question that starts with "-" (read as an
        option), with how to ask it."""
        if self.prog.endswith(" ask") and any(map(message.__contains__, _OPTION_MISTAKES)):
            message += '; a question that starts with - goes after --: coverage-bot ask -- "-5 C?"'
        super().error(message)


_OPTION_MISTAKES = ("unrecognized arguments", "ignored explicit argument", "expected one argument")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="coverage-bot",
        description="Answers questions about a body of news coverage.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {version()}")
    corpus_help = "folder or file of coverage (default: COVERAGE_BOT_CORPUS)"
    parser.add_argument("--corpus", type=user_path, help=corpus_help)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    # --corpus is taken after the command too; SUPPRESS keeps one given before it.
    with_corpus = argparse.ArgumentParser(add_help=False)
    with_corpus.add_argument(
        "--corpus", type=user_path, default=argparse.SUPPRESS, help=corpus_help
    )
    with_index = argparse.ArgumentParser(add_help=False, parents=[with_corpus])
    with_index.add_argument(
        "--index", type=user_path, metavar="INDEX_DIR", help="answer from this index folder"
    )

    ask = commands.add_parser(
        "ask", parents=[with_index], help="answer one question, or one per line from stdin"
    )
    ask.add_argument(
        "question",
        nargs="+",
        help='the question (quotes optional), or "-" to read one per line from stdin',
    )
    ask.add_argument("--json", action="store_true", help="print JSON (always, with -)")
    ask.add_argument("--top", type=int, metavar="K", help="how many ranked passages to list")

    chat = commands.add_parser("chat", parents=[with_index], help="ask questions interactively")
    chat.add_argument("--top", type=int, metavar="K", help="how many ranked passages to list")

    articles = commands.add_parser(
        "articles", parents=[with_index], help="list the articles that were loaded"
    )
    articles.add_argument("--json", action="store_true", help="print JSON")

    summary = commands.add_parser(
        "summary", parents=[with_index], help="summarise the story, an article or a topic"
    )
    subject = summary.add_mutually_exclusive_group()
    subject.add_argument(
        "--article", metavar="ID_OR_WORDS", help="one article: id or headline words"
    )
    subject.add_argument("--topic", metavar="WORDS", help="what the coverage says about a topic")
    summary.add_argument("--sentences", type=int, metavar="N", help="how many sentences")
    summary.add_argument("--json", action="store_true", help="print JSON")

    commands.add_parser(
        "run", parents=[with_index], help="start the Discord bot (needs DISCORD_TOKEN)"
    )
    commands.add_parser(
        "sync", parents=[with_index], help="register the slash commands with Discord, and exit"
    )
    _add_web_commands(commands, with_corpus)
    build = commands.add_parser(
        "index", parents=[with_corpus], help="build a persisted index folder of a corpus"
    )
    build.add_argument(
        "corpus_path",
        type=user_path,
        nargs="?",
        metavar="CORPUS_PATH",
        help="folder or file of coverage (default: --corpus, or COVERAGE_BOT_CORPUS)",
    )
    build.add_argument("--out", type=user_path, required=True, metavar="INDEX_DIR")
    embed = commands.add_parser(
        "embed",
        parents=[with_corpus],
        help="embed an index folder's passages ahead of the questions (resumable)",
    )
    embed.add_argument(
        "--index",
        type=user_path,
        metavar="INDEX_DIR",
        help="the index folder to embed (default: COVERAGE_BOT_INDEX)",
    )

    evaluation = commands.add_parser(
        "evaluate",
        parents=[with_index],
        help="Hit@1 and MRR on a question set; ROUGE against reference summaries",
    )
    evaluation.add_argument("--questions", type=user_path, help="question set (JSON Lines)")
    evaluation.add_argument("--summaries", type=user_path, help="reference summaries (JSON)")
    evaluation.add_argument(
        "--squad", type=user_path, metavar="FILE", help="a SQuAD v1.1 file: its own corpus"
    )
    evaluation.add_argument(
        "--calibrate",
        action="store_true",
        help="also find the decline threshold that suits this question set's corpus",
    )
    evaluation.add_argument(
        "--save",
        action="store_true",
        help="with --calibrate and --index: keep that threshold in the index folder, for "
        "every later answer from it",
    )
    evaluation.add_argument(
        "--left-out-every",
        type=int,
        default=LEFT_OUT_EVERY,
        metavar="N",
        help=f"with --squad, leave every Nth article out of the corpus (default {LEFT_OUT_EVERY})",
    )
    report = commands.add_parser(
        "report", help="what readers asked: answered share, gaps in the coverage, votes"
    )
    report.add_argument("--since", metavar="YYYY-MM-DD", help="only questions from this day on")
    report.add_argument("--json", action="store_true", help="print JSON")
    report.add_argument(
        "--chart", type=user_path, metavar="FILE.png", help="also draw questions per day"
    )
    return parser


def _add_web_commands(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    with_corpus: argparse.ArgumentParser,
) -> None:
    """``add``, ``feeds`` and ``follow``: articles from the web written into the corpus."""
    refreshed = argparse.ArgumentParser(add_help=False, parents=[with_corpus])
    refreshed.add_argument(
        "--index",
        type=user_path,
        metavar="INDEX_DIR",
        help="bring this index folder up to date (default: COVERAGE_BOT_INDEX)",
    )
    add = commands.add_parser(
        "add", parents=[refreshed], help="add articles from web pages or saved .html files"
    )
    add.add_argument("inputs", nargs="+", metavar="URL_OR_FILE")
    feeds = commands.add_parser("feeds", help="list, add or remove the feeds that are followed")
    actions = feeds.add_subparsers(dest="feeds_command", required=True, metavar="ACTION")
    actions.add_parser("list", help="the feeds followed, and each one's last poll")
    actions.add_parser("add", help="follow a feed").add_argument("url", metavar="URL")
    actions.add_parser("remove", help="stop following a feed").add_argument("url", metavar="URL")
    follow = commands.add_parser(
        "follow", parents=[refreshed], help="poll the feeds and add their new articles"
    )
    follow.add_argument("--once", action="store_true", help="poll the due feeds once, and exit")
    follow.add_argument(
        "--interval",
        type=float,
        metavar="SECONDS",
        help="seconds between polls of a feed (default: COVERAGE_BOT_FEED_INTERVAL)",
    )


def main(argv: Sequence[str] | None = None) -> int:
    try:
        try:
            args = build_parser().parse_args(argv)
        except SystemExit as done:  # after --help or --version (0), or a usage error (2)
            sys.stdout.flush()  # here, where a failure to write is seen
            return int(done.code or 0)
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_OK
    except OSError as error:  # --help or --version into a full disk
        return _system_error(error)
    try:
        return _run(args, output_console())
    except CorpusNotFoundError as error:
        # The path named is the one given with --corpus, or else the setting's.
        hint = "" if getattr(args, "corpus", None) else "; set COVERAGE_BOT_CORPUS or pass --corpus"
        print(f"coverage-bot: {plain_line(str(error))}{hint}", file=sys.stderr)
        return EXIT_FAILURE
    except EmptyCorpusError as error:
        _print_warnings(error.warnings)  # what was skipped is most often why it is empty
        print(f"coverage-bot: {plain_line(str(error))}", file=sys.stderr)
        return EXIT_FAILURE
    except CommandError as error:
        print(f"coverage-bot: {plain_line(str(error))}", file=sys.stderr)
        return error.code
    except IndexLoadError as error:  # an article found damaged while a summary read it
        print(f"coverage-bot: {plain_line(str(error))}", file=sys.stderr)
        return EXIT_FAILURE
    except BrokenPipeError:
        # Whoever read the output (head, a pager) stopped: not an error, so exit 0.
        _silence_stdout()
        return EXIT_OK
    except OSError as error:
        return _system_error(error)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED


def _system_error(error: OSError) -> int:
    """One line for an error of the system that the command did not handle itself: most
    often its output cannot be written (a full disk behind ``> file``), an error that
    names no file, since the files the commands read and write are named when they fail."""
    reason = plain(error.strerror or str(error) or type(error).__name__)
    if error.filename is None and error.errno in _OUTPUT_FAILURES:
        _silence_stdout()
        print(f"coverage-bot: cannot write the output: {reason}", file=sys.stderr)
    else:
        names = (error.filename, error.filename2)
        files = [str(name) for name in names if isinstance(name, str | os.PathLike)]
        where = f" ({plain_line(' -> '.join(files))})" if files else ""
        print(f"coverage-bot: {reason}{where}", file=sys.stderr)
    return EXIT_FAILURE


_OUTPUT_FAILURES = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})
"""What a write to a full disk or past a size limit fails with (not EIO, which a read of
stdin can fail with as well)."""


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so that Python's own flush at exit, of output that
    cannot be written, does not print a traceback of its own."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _run(args: argparse.Namespace, out: Console) -> int:
    try:
        settings = load_settings()
    except SettingsError as error:
        raise CommandError(str(error), EXIT_USAGE) from error
    top = args.top if getattr(args, "top", None) is not None else settings.top
    if not 1 <= top <= MAX_TOP:
        raise CommandError(f"--top must be from 1 to {MAX_TOP}, not {top}", EXIT_USAGE)
    corpus_path = args.corpus or settings.corpus
    # Only a corpus someone chose belongs in a rebuild hint; the default is the demo's.
    corpus_given = args.corpus is not None or "corpus" in settings.model_fields_set
    if args.command == "index":
        if args.corpus_path is None and not corpus_given:
            raise CommandError(
                "name the coverage to index: coverage-bot index CORPUS_PATH --out INDEX_DIR",
                EXIT_USAGE,
            )
        return _index(args.corpus_path or corpus_path, args.out, out)
    if args.command == "report":
        return _report(settings, args)
    if args.command in {"add", "feeds", "follow"}:
        from bot.web_cli import run_web_command  # the web's libraries only when wanted

        return run_web_command(args, settings)
    index_dir = getattr(args, "index", None) or settings.index
    if args.command == "embed":
        from bot.embed_cli import run_embed  # which imports CommandError from here

        return run_embed(
            settings,
            index_dir,
            lambda ranking: _load(corpus_path, index_dir, ranking, corpus_given, args.corpus),
        )
    if args.command in {"run", "sync"}:
        update = {"corpus": corpus_path, "index": index_dir}
        return _discord(args.command, settings.model_copy(update=update), corpus_given)
    if args.command == "articles" and index_dir is None:
        loaded = read_corpus(corpus_path)  # without an index to build: listing is enough
        _print_warnings(loaded.warnings)
        return _articles(loaded.corpus, args.json, out)
    # Listing articles or summarising the story or an article ranks nothing: no model.
    ranks = args.command != "articles" and not (args.command == "summary" and args.topic is None)
    # A topic summary finds passages without the answer check (a topic is not a question).
    ranking = _ranking(settings, checks=args.command != "summary") if ranks else BM25_ONLY

    def load() -> Knowledge:
        return _load(corpus_path, index_dir, ranking, corpus_given, args.corpus)

    if args.command == "evaluate":
        from bot.evaluate_cli import run_evaluate  # the evaluation's libraries only when wanted

        return run_evaluate(args, settings, ranking, index_dir, load)
    knowledge = load()
    answerer = knowledge.answerer
    if args.command == "articles":
        return _articles(knowledge.corpus, args.json, out)
    if args.command == "ask":
        question = " ".join(args.question)
        if question == "-":
            sys.stdout.flush()
            return _ask_batch(answerer, sys.stdin.buffer, top, sys.stdout.buffer)
        return _ask(answerer, question, top, args.json, out)
    if args.command == "chat":
        return _chat(answerer, top, out)
    return _summary(answerer, args, out)


def _load(
    corpus: Path, index: Path | None, ranking: Ranking, corpus_given: bool, typed: Path | None
) -> Knowledge:
    """The knowledge a command answers from, its warnings printed; ``typed`` is the
    --corpus given on the command line, if any."""
    try:
        knowledge = load_knowledge(corpus, index, ranking, corpus_given=corpus_given)
    except IndexLoadError as error:
        raise CommandError(str(error)) from error
    _print_warnings(knowledge.warnings)
    if knowledge.outdated:
        print(f"warning: {plain(knowledge.outdated)}", file=sys.stderr)
    _warn_if_corpus_unused(typed, index)
    return knowledge


def _warn_if_corpus_unused(corpus: Path | None, index: Path | None) -> None:
    """An index answers from the corpus it was built from: a different --corpus beside it
    is said to be unused rather than silently ignored."""
    recorded = indexed_corpus(index) if index is not None and corpus is not None else None
    if recorded is not None and corpus is not None and recorded != corpus.resolve():
        print(
            f"warning: answering from the index at {plain(str(index))}, built from "
            f"{plain(str(recorded))}; --corpus {plain(str(corpus))} is not used",
            file=sys.stderr,
        )


def _ranking(settings: Settings, checks: bool = True) -> Ranking:
    """The stages the settings ask for (the answer check only if ``checks``); a model that
    cannot be loaded (one warning line says why) leaves its stage out, and without either
    answers come from BM25 alone."""
    reranker = check = None
    if settings.semantic:
        try:
            reranker = load_reranker(settings.model)
        except EmbeddingUnavailable as error:
            print(f"warning: no semantic stage: {plain(str(error))}", file=sys.stderr)
    if settings.answer_check and checks:
        try:
            check = load_cross_encoder()
        except EmbeddingUnavailable as error:
            print(f"warning: no answer check: {plain(str(error))}", file=sys.stderr)
    return Ranking(reranker, settings.decline_threshold, check)


def _summary(answerer: Answerer, args: argparse.Namespace, out: Console) -> int:
    try:
        if args.article is not None:
            count = _or_default(args.sentences, ARTICLE_SENTENCES)
            summary = summarize_article(answerer.corpus, args.article, count)
        elif args.topic is not None:
            count = _or_default(args.sentences, TOPIC_SENTENCES)
            summary = summarize_topic(answerer, args.topic, count)
        else:
            count = _or_default(args.sentences, STORY_SENTENCES)
            summary = summarize_story(answerer.corpus, count)
    except TopicNotCovered as declined:  # an answer, like a question the coverage declines
        if args.json:
            print(json.dumps({"title": None, "sentences": [], "declined": str(declined)}))
        else:
            out.print(plain(str(declined)), style="yellow", markup=False)
        return EXIT_OK
    except SummaryError as error:
        listed = (
            " `coverage-bot articles` lists them." if isinstance(error, ArticleNotFound) else ""
        )
        raise CommandError(str(error) + listed, EXIT_USAGE) from error
    if args.json:
        print(json_text(summary_json(summary)))
    else:
        out.print(render_summary(summary))
    return EXIT_OK


def _report(settings: Settings, args: argparse.Namespace) -> int:
    try:
        since = parse_since(args.since)
    except ReportError as error:  # a bad option, as --top 0 is
        raise CommandError(str(error), EXIT_USAGE) from error
    try:
        text = report_text(settings, since, args.json, args.chart)
        print(text if args.json else plain(text))  # readers' words: no escape sequences
    except ReportError as error:
        raise CommandError(str(error)) from error
    return EXIT_OK


def _or_default(given: int | None, default: int) -> int:
    """An option's value when given (0 included, to be refused as such), else the default."""
    return default if given is None else given


def _discord(command: str, settings: Settings, corpus_given: bool) -> int:
    """``run`` and ``sync``: the Discord front end, imported only when it is wanted."""
    from bot.discord_bot.launcher import StartupError, configure_logging, serve, sync_only, token_of

    try:
        token_of(settings)  # before the corpus is read: the likeliest mistake comes first
        knowledge = load_knowledge(
            settings.corpus, settings.index, _ranking(settings), corpus_given=corpus_given
        )
        _print_warnings(knowledge.warnings)
        configure_logging(settings.log_level)
        asyncio.run((serve if command == "run" else sync_only)(settings, knowledge))
    except StartupError as error:
        print(error, file=sys.stderr)
        return EXIT_USAGE if settings.discord_token is None else EXIT_FAILURE
    except IndexLoadError as error:
        raise CommandError(str(error)) from error
    return EXIT_OK


def _index(corpus: Path, out: Path, console: Console) -> int:
    """Build the index folder with a progress bar over the passages being tokenised."""
    errors = Console(stderr=True)  # the bar only where someone watches, and gone when done
    with Progress(console=errors, transient=True, disable=not errors.is_terminal) as bar:
        task = bar.add_task("reading the corpus", total=None)

        def progress(passages: int, total: int) -> None:
            bar.update(task, description="tokenising", total=total, advance=passages)

        try:
            warnings = build_index(corpus, out, progress, workers=os.cpu_count() or 1)
        except EmptyCorpusError:
            raise  # main prints it with the warnings that are most often why
        except KNOWLEDGE_ERRORS as error:
            raise _index_failure(error, out) from error
        except KeyboardInterrupt:  # the build is staged: what was there is untouched
            bar.stop()
            print(f"stopped: the index at {plain_line(str(out))} is as it was", file=sys.stderr)
            return EXIT_INTERRUPTED
    _print_warnings(warnings)
    console.print(f"index written to {out}", markup=False, highlight=False)
    return EXIT_OK


def _index_failure(error: Exception, out: Path) -> CommandError:
    """One sentence for a build that failed: a folder it must not write is a usage error."""
    if isinstance(error, IndexFolderError):
        return CommandError(str(error), EXIT_USAGE)
    if isinstance(error, OSError) and not isinstance(error, CorpusNotFoundError):
        named = isinstance(error.filename, str | os.PathLike)  # not a descriptor's number
        where = f" ({error.filename})" if named and error.filename else ""  # permissions, space
        return CommandError(f"could not write the index to {out}: {error.strerror}{where}")
    return CommandError(str(error))


def _print_warnings(warnings: Iterable[LoadWarning]) -> None:
    for warning in warnings:
        skipped = "skipped " if warning.skipped else ""
        print(f"warning: {skipped}{plain_line(str(warning))}", file=sys.stderr)


def _articles(corpus: CorpusView, as_json: bool, out: Console) -> int:
    if as_json:
        print(json_text([article_json(a) for a in corpus.articles]))
        return EXIT_OK
    out.print(render_articles(corpus.articles))
    return EXIT_OK


def _ask(answerer: Answerer, question: str, top: int, as_json: bool, out: Console) -> int:
    try:
        answer = answerer.answer(question, results=top)
    except (QuestionError, IndexLoadError) as error:
        code = EXIT_USAGE if isinstance(error, QuestionError) else EXIT_FAILURE
        if as_json:
            print(json.dumps({"question": question, "error": str(error), "answer": None}))
            return code
        raise CommandError(str(error), code) from error
    if as_json:
        print(json_text(answer_json(answer), allow_nan=False))
    else:
        out.print(render_answer(answer))
    return EXIT_OK


def _ask_batch(answerer: Answerer, lines: BinaryIO, top: int, out: BinaryIO) -> int:
    """One JSON object a line for each question a line; a bad question, or one the index
    cannot answer (exit 1 at the end), gets an ``error`` and the next line is read.
    Bytes in and out: a line that is not UTF-8 is read with U+FFFD for its bad bytes,
    and the output is UTF-8 whatever the locale says."""
    code = EXIT_OK
    while raw := lines.readline(MAX_LINE_BYTES + 1):
        question = raw.removesuffix(b"\n").removesuffix(b"\r").decode("utf-8", "replace")
        try:
            if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
                question = question[:MAX_QUESTION_CHARS] + "…"
                _skip_line(lines)  # not read whole: a line of a gigabyte costs nothing
                raise QuestionError(
                    f"That question is over {MAX_LINE_BYTES:,} bytes long; please keep it "
                    f"to {MAX_QUESTION_CHARS:,} characters at most."
                )
            record = answer_json(answerer.answer(question, results=top))
        except (QuestionError, IndexLoadError) as error:
            if isinstance(error, IndexLoadError):
                code = EXIT_FAILURE
                print(f"coverage-bot: {plain_line(str(error))}", file=sys.stderr)
            record = {"question": question, "error": str(error), "answer": None, "results": []}
        out.write(json.dumps(record, ensure_ascii=False, allow_nan=False).encode() + b"\n")
        out.flush()
    return code


MAX_LINE_BYTES = 64 * 1024
"""The longest line ``ask -`` reads as a question (a question is 1,000 characters at most,
4,000 bytes of UTF-8); the rest of a longer one is passed over without being kept."""


def _skip_line(lines: BinaryIO) -> None:
    while (chunk := lines.readline(MAX_LINE_BYTES)) and not chunk.endswith(b"\n"):
        pass


CHAT_ENDINGS = frozenset({"quit", "exit", "q", "bye"})
"""Words that end a chat rather than being asked: nobody means "quit" as a question."""


def _chat(answerer: Answerer, top: int, out: Console) -> int:
    # Importing readline gives input() line editing and history; not every platform's
    # Python has it, and input() works without.
    with contextlib.suppress(ImportError):
        import readline  # noqa: F401
    articles = len(answerer.corpus.articles)
    out.print(
        f"Ask about the coverage ({articles} articles, {answerer.index.size} passages). "
        "An empty line, quit or Ctrl-D ends the session.",
        style="dim",
        markup=False,
    )
    # A plain prompt (readline must know its width), and none for questions piped in: a
    # transcript would have "? " before every answer, its box pushed past the width.
    prompt = "? " if sys.stdin.isatty() else ""
    while True:
        try:
            question = input(prompt)
        except (EOFError, KeyboardInterrupt):
            out.print()
            return EXIT_OK
        if not question.strip() or question.strip(" .!").casefold() in CHAT_ENDINGS:
            return EXIT_OK
        try:
            out.print(render_answer(answerer.answer(question, results=top)))
        except QuestionError as error:
            out.print(plain(str(error)), style="yellow", markup=False)
        except IndexLoadError as error:  # an article the index cannot read: say so, go on
            out.print(plain(str(error)), style="red", markup=False)
