from __future__ import annotations

import numpy as np
import pytest

from labelpact.core.demonstrations import Demonstrations, demonstration_signals, simulate_demonstrations
from labelpact.errors import InvalidInputError


def test_hand_made_answers() -> None:
    chat = (
        "Certainly! It's important to note that this multifaceted issue underscores a pivotal and "
        "intricate landscape. Furthermore, we must delve into the comprehensive realm of options."
    )
    d = Demonstrations.from_columns(
        task=["t1", "t1", "t2", "t3", "t4"],
        worker=["a", "b", "a", "a", "c"],
        text=[
            chat,
            chat.replace("options", "choices"),
            "my usual opening line for every single answer here. then the actual reply to task two",
            "my usual opening line for every single answer here. and a different reply for task three",
            "ok",
        ],
        duration_s=[5.0, 200.0, 60.0, 60.0, np.nan],
        paste_events=[1, 0, 0, 0, 0],
    )
    s = demonstration_signals(d, template_min=2)
    assert s.too_fast.tolist() == [True, False, False, False, False]  # 170 characters in 5 s
    assert np.isnan(s.chars_per_second[4])
    assert s.pasted.tolist() == [True, False, False, False, False]
    assert s.tell_rate[0] > 20 and s.tell_rate[2] == 0
    assert s.homogeneity[0] > 0.8 and s.homogeneity[1] > 0.8 and s.homogeneity[2] == 0
    assert s.llm_signals.tolist()[:2] == [4, 2] and s.llm_suspect.tolist() == [
        True,
        True,
        False,
        False,
        False,
    ]
    assert s.across_worker_duplicate[:2].all()
    assert s.templated.tolist() == [False, False, True, True, False]
    assert "fewer than 10 words" in s.quality[4]
    assert s.worker_suspect_share.tolist() == [pytest.approx(1 / 3), 1.0, 0.0]


def test_false_positive_rate_on_simulated_honest_workers_is_low() -> None:
    sim = simulate_demonstrations(n_tasks=300, n_workers=30, random_state=3)
    s = demonstration_signals(sim.demonstrations)
    honest = ~sim.llm_answer
    assert s.llm_suspect[honest].mean() < 0.05
    assert s.llm_suspect[sim.llm_answer].mean() > 0.6
    kinds = np.array(sim.kinds)
    assert np.all(s.worker_template_share[kinds == "template"] > 0.9)
    assert np.all(s.worker_template_share[kinds == "honest"] == 0.0)


def test_options_are_checked() -> None:
    d = Demonstrations.from_columns(task=["t"], worker=["w"], text=["hello there"])
    with pytest.raises(InvalidInputError):
        demonstration_signals(d, typing_cps=0)
    with pytest.raises(InvalidInputError, match="same length"):
        Demonstrations.from_columns(task=["t", "u"], worker=["w"], text=["x"])


def test_an_answer_written_in_0_seconds_is_too_fast_not_unknown() -> None:
    text = "A long answer of a few hundred characters, typed by nobody in no time at all. " * 5
    d = Demonstrations.from_columns(
        task=["t1", "t2", "t3"], worker=["w", "w", "w"], text=[text] * 3, duration_s=[0.0, 1.0, np.nan]
    )
    s = demonstration_signals(d, typing_cps=8.0)
    assert s.too_fast.tolist() == [True, True, False]  # NaN: no duration, so no claim
    assert np.isposinf(s.chars_per_second[0]) and np.isnan(s.chars_per_second[2])


def test_tell_phrases_match_whole_words_only() -> None:
    """Finding 2: "there are some", "there's a" and "as an aid" hold a tell phrase as a substring only."""
    texts = [
        "There are some options. Also there's a shop nearby.",
        "Where are some parks? The map serves as an aid.",
        "Here are some options. Here’s an idea, and as an AI I hope this helps. Overall, fine.",
        "",
    ]
    d = Demonstrations.from_columns(task=["t1", "t2", "t3", "t4"], worker=["a", "b", "c", "d"], text=texts)
    s = demonstration_signals(d)
    # by hand: 0, 0, then "here are some", "here's an", "as an ai", "i hope this helps", "overall," = 5
    assert (s.tell_rate * s.n_words / 100).round().tolist() == [0, 0, 5, 0]
