"""``python -m bot`` and the ``coverage-bot`` command's entry point.

The command's modules take a second or two to load (numpy, rich, the models' runtime);
Ctrl-C in that time ends it quietly with 130, as Ctrl-C does once it runs, instead of
printing where in the imports it was."""

import sys

EXIT_INTERRUPTED = 130
"""The command's exit status after Ctrl-C (bot.cli's, which is not loaded yet)."""


def run() -> int:
    """Load the command and run it."""
    for stream in (sys.stdout, sys.stderr):
        # A terminal or pipe that is not UTF-8 (PYTHONIOENCODING=ascii, a Latin-1 locale)
        # shows "?" for what it cannot, rather than ending the command with a traceback.
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    try:
        from bot.cli import main
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    return main()


if __name__ == "__main__":
    sys.exit(run())
