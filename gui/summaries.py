"""The end-of-run summaries the panels show (rich text), from a run's ``JobFinished``."""

from __future__ import annotations

from engine.dialogues.writer import WRITER_ROLE
from engine.status import JobFinished
from gui.formatting import format_count

MB = 1024**2


def clean_summary(finished: JobFinished) -> str:
    if finished.cancelled:
        return ("<b>Stopped.</b> Segments already written are complete (none is half-written); "
                "report.json lists them. Start again with <i>resume</i> to finish the rest.")
    if not finished.ok:
        return f"<span style='color:#c62828'><b>Failed:</b> {finished.error}</span>"
    s = finished.summary
    drops = ", ".join(f"{reason} {n:,}" for reason, n in s["dropped"].items()) or "none"
    text = (f"<b>Done.</b> {s['files_ok']:,} of {s['files']:,} files cleaned in {s['seconds']:.1f} s "
            f"({format_count(s['rows_per_s'])} rows/s, {s['workers']} workers).<br>"
            f"{s['rows_in']:,} rows in → {s['rows_out']:,} out; dropped: {drops}.<br>"
            f"{len(s['outputs'])} {s['format']} segment(s) + report.json in {s['out_dir']}")
    if s.get("segments_resumed"):
        text += f" ({s['segments_resumed']} segments resumed)"
    if not s.get("reconciles", True):
        text += "<br><span style='color:#c62828'>Counts do not reconcile: see report.json.</span>"
    if s.get("files_failed"):
        text += (f"<br><span style='color:#c62828'>{s['files_failed']} file(s) failed: tick "
                 f"<i>only failed</i> to list them.</span>")
    return text


def demo_summary(finished: JobFinished) -> str:
    if finished.cancelled:
        return "Stopped. Files already written are complete; none is half-written."
    if not finished.ok:
        return f"<span style='color:#c62828'>Failed: {finished.error}</span>"
    s = finished.summary
    text = (f"<b>Done.</b> {s['files_written']} files, {format_count(s['rows'])} rows in {s['seconds']:.1f} s "
            f"({format_count(s['rows_per_s'])} rows/s with {s['workers']} workers) → {s['out_dir']}")
    if s.get("files_failed"):
        text += f"<br><span style='color:#c62828'>{s['files_failed']} files failed (see Log)</span>"
    return text


def dialogues_summary(finished: JobFinished) -> str:
    if finished.cancelled:
        return "Stopped. Nothing was left under a final name and the work folder was removed."
    if not finished.ok:
        return f"<span style='color:#c62828'>Failed: {finished.error}</span>"
    s = finished.summary
    drops = ", ".join(f"{k[6:].replace('_', ' ')} {v:,}" for k, v in s.items() if k.startswith("drops_") and v)
    text = (f"<b>Done</b> in {s['seconds']:.1f} s ({format_count(s['rows_per_s'])} rows/s). "
            f"{s['rows_read']:,} rows read from {s['files_ok']} file(s); {s['rows_in_dialogues']:,} in dialogues; "
            f"dropped: {drops or 'none'}.<br>"
            f"<b>{s['dialogues']:,}</b> dialogues (<b>{s['train_dialogues']:,}</b> train, "
            f"<b>{s['val_dialogues']:,}</b> val), {s['utterances']:,} utterances; "
            f"{s['dialogues_dropped_short']:,} dialogues under min turns dropped.<br>"
            f"Peak RSS: coordinator {s['peak_rss_coordinator_bytes'] / MB:,.0f} MB, "
            f"{WRITER_ROLE} {s['peak_rss_mmi_writer_bytes'] / MB:,.0f} MB, "
            f"readers ≤ {s['peak_rss_readers_bytes'] / MB:,.0f} MB. Writer queue max "
            f"{s['writer_queue_max']}/{s['writer_queue_bound']}; {s['partitions']} partitions built in "
            f"{s['build_groups']} group(s).<br>"
            f"→ {s['out_dir']}/std, /mmi, dialogues-report.json")
    if s.get("files_failed"):
        text += f"<br><span style='color:#c62828'>{s['files_failed']} file(s) failed (see Log)</span>"
    return text
