"""Where a Dialogues run puts its files: the four outputs, the report, the work folder."""

SPLITS = ("train", "val")
#: (kind, split) → path under OUT.
OUTPUT_FILES = {
    ("std", "train"): "std/train.txt",
    ("std", "val"): "std/val.txt",
    ("mmi", "train"): "mmi/train.txt",
    ("mmi", "val"): "mmi/val.txt",
}
REPORT_NAME = "dialogues-report.json"
#: Work folders are OUT/<prefix><pid>-<random>: the pid tells whether their owner still runs.
WORK_PREFIX = ".mpwatch-dialogues-"
