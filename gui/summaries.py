"""The end-of-run summaries the panels show (rich text), from a run's ``JobFinished``, in the UI language."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

from engine.dialogues.writer import WRITER_ROLE
from engine.status import JobFinished
from gui.engine_messages import failure_text
from gui.formatting import format_count
from gui.terms import term

MB = 1024**2
RED = "<span style='color:#c62828'>{}</span>"
translate = QCoreApplication.translate  # lupdate collects translate("Summaries", …) calls


def _drops(pairs: list[tuple[str, int]]) -> str:
    return ", ".join(f"{term(reason)} {n:,}" for reason, n in pairs) or translate("Summaries", "none")


def _where(summary: dict) -> str:
    """A line naming the Dask cluster a run's tasks ran on ("" for this machine's processes)."""
    cluster = summary.get("cluster")
    return (
        "<br>" + translate("Summaries", "Ran on the Dask cluster {cluster}.").format(cluster=cluster) if cluster else ""
    )


def _summary(
    stopped: str, failed: str, files_failed: str
) -> Callable[[Callable[[Mapping[str, Any]], str]], Callable[[JobFinished], str]]:
    """Wraps a job's text of a finished run into its whole summary: ``stopped`` for a run stopped by
    the user, ``failed`` (with ``{error}``) in red for a failed one, and after the text of a
    finished one the ``files_failed`` line (with ``{n}``) in red when some files failed. The three
    are English sources of the "Summaries" context, translated when the summary is drawn."""

    def wrap(done: Callable[[Mapping[str, Any]], str]) -> Callable[[JobFinished], str]:
        def render(finished: JobFinished) -> str:
            if finished.cancelled:
                return translate("Summaries", stopped)
            if not finished.ok:
                return RED.format(translate("Summaries", failed).format(error=failure_text(finished)))
            s = finished.summary
            text = done(s)
            if s.get("files_failed"):
                text += "<br>" + RED.format(translate("Summaries", files_failed).format(n=s["files_failed"]))
            return text

        return render

    return wrap


@_summary(
    stopped=QT_TRANSLATE_NOOP(
        "Summaries",
        "<b>Stopped.</b> Segments already written are complete (none is half-written); "
        "report.json lists them. Start again with <i>resume</i> to finish the rest.",
    ),
    failed=QT_TRANSLATE_NOOP("Summaries", "<b>Failed:</b> {error}"),
    files_failed=QT_TRANSLATE_NOOP("Summaries", "{n} file(s) failed: tick <i>only failed</i> to list them."),
)
def clean_summary(s: Mapping[str, Any]) -> str:
    text = translate(
        "Summaries",
        "<b>Done.</b> {ok} of {files} files cleaned in {seconds} s "
        "({rate} rows/s, {workers} workers).<br>"
        "{rows_in} rows in → {rows_out} out; dropped: {drops}.<br>"
        "{segments} {format} segment(s) + report.json in {out_dir}",
    ).format(
        ok=f"{s['files_ok']:,}",
        files=f"{s['files']:,}",
        seconds=f"{s['seconds']:.1f}",
        rate=format_count(s["rows_per_s"]),
        workers=s["workers"],
        rows_in=f"{s['rows_in']:,}",
        rows_out=f"{s['rows_out']:,}",
        drops=_drops(list(s["dropped"].items())),
        segments=len(s["outputs"]),
        format=s["format"],
        out_dir=s["out_dir"],
    )
    text += _where(s)
    if s.get("segments_resumed"):
        text += translate("Summaries", " ({n} segments resumed)").format(n=s["segments_resumed"])
    if not s.get("reconciles", True):
        text += "<br>" + RED.format(translate("Summaries", "Counts do not reconcile: see report.json."))
    return text


@_summary(
    stopped=QT_TRANSLATE_NOOP("Summaries", "Stopped. Files already written are complete; none is half-written."),
    failed=QT_TRANSLATE_NOOP("Summaries", "Failed: {error}"),
    files_failed=QT_TRANSLATE_NOOP("Summaries", "{n} files failed (see Log)"),
)
def demo_summary(s: Mapping[str, Any]) -> str:
    return translate(
        "Summaries",
        "<b>Done.</b> {files} files, {rows} rows in {seconds} s ({rate} rows/s with {workers} workers) → {out_dir}",
    ).format(
        files=s["files_written"],
        rows=format_count(s["rows"]),
        seconds=f"{s['seconds']:.1f}",
        rate=format_count(s["rows_per_s"]),
        workers=s["workers"],
        out_dir=s["out_dir"],
    ) + _where(s)


@_summary(
    stopped=QT_TRANSLATE_NOOP(
        "Summaries", "Stopped. Nothing was left under a final name and the work folder was removed."
    ),
    failed=QT_TRANSLATE_NOOP("Summaries", "Failed: {error}"),
    files_failed=QT_TRANSLATE_NOOP("Summaries", "{n} file(s) failed (see Log)"),
)
def dialogues_summary(s: Mapping[str, Any]) -> str:
    drops = _drops([(k[6:], v) for k, v in s.items() if k.startswith("drops_") and v])
    return translate(
        "Summaries",
        "<b>Done</b> in {seconds} s ({rate} rows/s). "
        "{rows_read} rows read from {files} file(s); "
        "{in_dialogues} in dialogues; dropped: {drops}.<br>"
        "<b>{dialogues}</b> dialogues (<b>{train}</b> train, <b>{val}</b> val), {utterances} utterances; "
        "{short} dialogues under min turns dropped.<br>"
        "Peak RSS: coordinator {rss_coordinator} MB, {writer} {rss_writer} MB, readers ≤ {rss_readers} MB. "
        "Writer queue max {queue_max}/{queue_bound}; {partitions} partitions built in {groups} group(s).<br>"
        "→ {out_dir}/std, /mmi, dialogues-report.json",
    ).format(
        seconds=f"{s['seconds']:.1f}",
        rate=format_count(s["rows_per_s"]),
        rows_read=f"{s['rows_read']:,}",
        files=s["files_ok"],
        in_dialogues=f"{s['rows_in_dialogues']:,}",
        drops=drops,
        dialogues=f"{s['dialogues']:,}",
        train=f"{s['train_dialogues']:,}",
        val=f"{s['val_dialogues']:,}",
        utterances=f"{s['utterances']:,}",
        short=f"{s['dialogues_dropped_short']:,}",
        rss_coordinator=f"{s['peak_rss_coordinator_bytes'] / MB:,.0f}",
        writer=WRITER_ROLE,
        rss_writer=f"{s['peak_rss_mmi_writer_bytes'] / MB:,.0f}",
        rss_readers=f"{s['peak_rss_readers_bytes'] / MB:,.0f}",
        queue_max=s["writer_queue_max"],
        queue_bound=s["writer_queue_bound"],
        partitions=s["partitions"],
        groups=s["build_groups"],
        out_dir=s["out_dir"],
    ) + _where(s)
