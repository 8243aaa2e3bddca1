"""An SPC alarm on a partner's quality is a risk signal while it is open: it closes once the charts have come
back in control for ``CLOSE_AFTER`` batches in a row, and a later alarm opens a new episode."""

from __future__ import annotations

import datetime as dt

from labelpact.partners.spc.series import Alarm
from labelpact.services.health import CLOSE_AFTER, QualityRecord, _alarms, open_alarm_since

START = dt.date(2023, 1, 2)


def alarm(index: int) -> Alarm:
    return Alarm("p-chart", "errors", index, START + dt.timedelta(days=7 * index), "worse", "UCL", "above")


def test_an_episode_closes_after_enough_batches_in_control_and_a_later_alarm_opens_another() -> None:
    assert open_alarm_since((), 30) is None
    # alarms at batches 12 and 14 are one episode; the series ends 4 batches after it: still open
    assert open_alarm_since((alarm(14), alarm(12)), 14 + CLOSE_AFTER) == alarm(12).date
    # one more batch in control closes it
    assert open_alarm_since((alarm(12), alarm(14)), 14 + CLOSE_AFTER + 1) is None
    # an alarm after five quiet batches opens a new episode, dated by its own day
    later = 14 + CLOSE_AFTER + 1
    assert open_alarm_since((alarm(12), alarm(14), alarm(later)), later + 2) == alarm(later).date


def record(i: int, defective: int) -> QualityRecord:
    return QualityRecord(
        audit=f"a{i}",
        batch=f"b{i}",
        project="p",
        delivered=START + dt.timedelta(days=7 * i),
        verdict="accept",
        inspected=200,
        defective=defective,
        error_rate=defective / 200,
        gold_accuracy=None,
        agreement=None,
        on_time=True,
    )


def test_one_bad_batch_two_years_ago_is_no_longer_an_open_alarm() -> None:
    # 12 weekly batches at 2% errors, one at 30%, then two years at 2% (the tester's case)
    records = [record(i, 60 if i == 12 else 4) for i in range(120)]
    alarms = _alarms(records)
    assert alarms is not None and alarms.worse()  # the bad batch did raise an alarm
    assert open_alarm_since(alarms.worse(), len(records)) is None
    recent = records[:15]  # two batches after it: still open, from the bad batch's day
    alarms = _alarms(recent)
    assert alarms is not None
    assert open_alarm_since(alarms.worse(), len(recent)) == records[12].delivered
