"""A small labels batch whose task texts hold one e-mail address, for the tests of health's ethics signals."""

from __future__ import annotations

from pathlib import Path

__all__ = ["email_batch"]


def email_batch(root: Path) -> tuple[Path, Path, Path]:
    """40 tasks three workers agree on, gold on half, task ``t03``'s text an e-mail address (a ``pii``
    finding): the labels, tasks and gold files written in ``root``."""
    labels, tasks, gold = root / "labels.csv", root / "tasks.csv", root / "gold.csv"
    names = [f"t{i:02d}" for i in range(40)]
    truth = {t: "pos" if i % 2 else "neg" for i, t in enumerate(names)}
    labels.write_text(
        "task,worker,label\n" + "".join(f"{t},w{w},{truth[t]}\n" for t in names for w in range(3)),
        encoding="utf-8",
    )
    texts = dict.fromkeys(names, "Nice product") | {"t03": "Write to kim.lee@example.com"}
    tasks.write_text("task,text\n" + "".join(f"{t},{x}\n" for t, x in texts.items()), encoding="utf-8")
    gold.write_text("task,label\n" + "".join(f"{t},{truth[t]}\n" for t in names[:20]), encoding="utf-8")
    return labels, tasks, gold
