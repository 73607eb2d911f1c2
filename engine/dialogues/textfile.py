"""A GPT2-chitchat training text file written a batch of dialogues at a time.

Format (what GPT2-chitchat's preprocess reads: strict UTF-8, ``split("\\n\\n")`` then ``split("\\n")``,
nothing stripped): UTF-8 without BOM, ``\\n`` only, one utterance per line, exactly one blank line
between dialogues, and the file ends right after the last utterance's last character. A batch
arrives as ``"d1\\n\\nd2\\n\\n"`` (every dialogue closed by a blank line); the file writes the
separator *before* each dialogue but the first, so nothing trails the last one.
"""

from __future__ import annotations

from pathlib import Path

BATCH_END = "\n\n"


class DialogueTextFile:
    """Appends dialogue batches to ``path`` (a temporary name; the job renames it when complete)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = open(self.path, "wb")
        self.dialogues = 0
        self.lines = 0
        self.bytes = 0

    def write_batch(self, batch: str, dialogues: int, lines: int) -> None:
        """Append a batch (dialogues each followed by a blank line, as the build renders them)."""
        if not batch:
            return
        if not batch.endswith(BATCH_END):
            raise ValueError("a dialogue batch must end with a blank line")
        body = batch[: -len(BATCH_END)]
        data = ((BATCH_END if self.dialogues else "") + body).encode("utf-8")
        self._file.write(data)
        self.bytes += len(data)
        self.dialogues += dialogues
        self.lines += lines

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> DialogueTextFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def reverse_dialogues(std_text: str) -> str:
    """The mmi form of std text (dialogues separated by a blank line, no trailing one): each
    dialogue's utterances in reverse order, dialogues in the same order. Its own inverse."""
    return "\n\n".join("\n".join(d.split("\n")[::-1]) for d in std_text.split("\n\n"))
