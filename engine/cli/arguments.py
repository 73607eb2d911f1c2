"""Argument types and help shared by every sub-command: numbers with a lower bound, sizes
(``512MB``), any ValueError-raising parser as an argparse type, and the parser each sub-command
starts from (its epilog lists example command lines and what each exit code means).

Only the standard library is imported here: ``--help`` must answer at once.
"""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Callable
from typing import Any, TypeVar

from engine.cli import EXIT_BAD_ARGS, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_PARTIAL

ConfigT = TypeVar("ConfigT")


def parse_size(text: str) -> int:
    """'512MB', '2G', '1048576' → bytes (for --memory-budget and similar options)."""
    units = {"": 1, "B": 1, "K": 1024, "KB": 1024, "M": 1024**2, "MB": 1024**2, "G": 1024**3, "GB": 1024**3}
    raw = text.strip().upper().replace("IB", "B")
    number = raw.rstrip("KMGB")
    unit = raw[len(number) :]
    try:
        return int(float(number) * units[unit])
    except (KeyError, ValueError):
        raise ValueError(f"not a size: {text!r} (e.g. 512MB, 2G)") from None


def arg_type(parse: Callable[[str], Any], name: str) -> Callable[[str], Any]:
    """An argparse type from a parser that raises ValueError: argparse then prints its message."""

    def convert(text: str) -> Any:
        try:
            return parse(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    convert.__name__ = name  # argparse names the type in its error messages
    return convert


size_arg = arg_type(parse_size, "size")


def number_arg(kind: type, minimum: float, inclusive: bool = True) -> Callable[[str], Any]:
    """argparse type: a number of ``kind`` (int or float) at least (or, not inclusive, above) ``minimum``."""
    word = "whole number" if kind is int else "number"

    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise ValueError(f"not a {word}: {text!r}") from None
        if value < minimum or (value == minimum and not inclusive):
            raise ValueError(f"must be {'at least' if inclusive else 'more than'} {minimum}: {value}")
        return value

    return arg_type(parse, f"{'non-negative' if minimum == 0 and inclusive else 'positive'} {word}")


positive_int = number_arg(int, 1)
non_negative_int = number_arg(int, 0)
positive_float = number_arg(float, 0, inclusive=False)


def add_option_with_default(
    parser: argparse.ArgumentParser | argparse._ArgumentGroup,
    flag: str,
    kind: Callable[[str], Any],
    default: float,
    what: str,
    metavar: str | None = None,
    dest: str | None = None,
) -> None:
    """``flag`` of type ``kind``, its help ``what`` followed by its default (``(default 8)``, ``(default
    0.5)``), as the CLI shows every number a person may want to change. ``dest``: the config field it
    sets when that is not the flag's name (``--request-timeout`` sets ``request_timeout_s``)."""
    names = {"dest": dest} if dest is not None else {}
    parser.add_argument(
        flag, type=kind, default=default, metavar=metavar, help=f"{what} (default {default:g})", **names
    )


def config_from_options(config_class: type[ConfigT], args: argparse.Namespace, **worked_out: Any) -> ConfigT:
    """``config_class`` (a dataclass) built from the options named after its fields (``--max-batch``
    sets ``max_batch``), and from ``worked_out``: the fields whose value is not an option's as typed.
    A field no option names keeps its default."""
    fields = {field.name for field in dataclasses.fields(config_class)}
    given = {name: value for name, value in vars(args).items() if name in fields}
    return config_class(**{**given, **worked_out})


ArgsHandler = Callable[[Any], int]


class HelpFormatter(argparse.HelpFormatter):
    """argparse's formatter, but text that has its own line breaks (the examples and exit codes of
    an epilog) is kept as written; one-line descriptions are wrapped as usual."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if "\n" in text:
            return "".join(indent + line for line in text.splitlines(keepends=True))
        return super()._fill_text(text, width, indent)


def help_epilog(examples: list[str], exit_codes: dict[int, str]) -> str:
    """The end of a sub-command's --help: example command lines, then what each exit code means."""
    lines = ["examples:"] + [f"  {example}" for example in examples] + ["", "exit codes:"]
    lines += [f"  {code:<4} {meaning}" for code, meaning in exit_codes.items()]
    return "\n".join(lines) + "\n"


def job_exit_codes(partial: str) -> dict[int, str]:
    """The exit codes every job shares (``partial``: what exit 3 means for this job)."""
    return {
        EXIT_OK: "done",
        EXIT_PARTIAL: partial,
        EXIT_BAD_ARGS: "bad arguments or inputs (nothing was started)",
        EXIT_FAILED: "the job itself failed",
        EXIT_INTERRUPTED: "interrupted: Ctrl-C (SIGINT); 143 SIGTERM, 129 SIGHUP",
    }
