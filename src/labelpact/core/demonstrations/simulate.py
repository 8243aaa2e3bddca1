"""Simulated demonstrations with known truth: honest writers, template reusers, copiers and LLM pasters.

Honest answers are drawn word by word from a plain vocabulary with each writer's own habits and
typing speed (some fast, some formal enough to use "chatbot" words, a few pasting their own notes);
an LLM paster's answers come from one chatbot-style answer per task (shared by every paster on that
task, lightly varied), pasted, or retyped at human speed three times in ten. The
text is synthetic: it tests the mechanics and the false-positive rates of the signals, not how well
they would catch a real chatbot.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from labelpact.core.demonstrations.demonstrations import Demonstrations
from labelpact.core.demonstrations.signals import TELL_WORDS
from labelpact.errors import InvalidInputError

__all__ = ["SimulatedDemonstrations", "simulate_demonstrations"]

_PLAIN_TEXT = (
    "the a to of and in is it that for you this with on as be are was have not but they can if or "
    "your from at so what when more about which some would there their will just like get one also "
    "make use time people need good way think know want work first then because really see well "
    "answer question should could help give example check start look find different thing part try "
    "keep much most other only very into over after before while where how why who each both same "
    "simple easy quick small large long short next last best better right wrong true clear sure"
)
PLAIN = _PLAIN_TEXT.split()
STYLE = ("Certainly! ", "Here's a clear answer. ", "Great question! ", "")


@dataclass(frozen=True, slots=True)
class SimulatedDemonstrations:
    """Answers with their truth: worker ``kinds`` (honest, template, llm) and whether each answer was pasted."""

    demonstrations: Demonstrations
    kinds: tuple[str, ...]
    llm_answer: np.ndarray


def _sentence(rng: np.random.Generator, vocab: list[str], n: int) -> str:
    words = rng.choice(vocab, n)
    return " ".join(words).capitalize() + "."


def simulate_demonstrations(
    *,
    n_tasks: int = 200,
    n_workers: int = 30,
    writers_per_task: int = 3,
    template_share: float = 0.1,
    llm_share: float = 0.2,
    paste_recorded: bool = True,
    random_state: int | np.random.Generator | None = 0,
) -> SimulatedDemonstrations:
    """Each task gets ``writers_per_task`` distinct random workers' answers (a loop over answers: text)."""
    if writers_per_task > n_workers or not 0 <= template_share + llm_share <= 1:
        raise InvalidInputError("writers_per_task <= n_workers and shares summing to at most 1")
    rng = np.random.default_rng(random_state)
    n_template, n_llm = round(template_share * n_workers), round(llm_share * n_workers)
    kinds = ("template",) * n_template + ("llm",) * n_llm + ("honest",) * (n_workers - n_template - n_llm)
    speed = rng.uniform(1.5, 7.5, n_workers)  # honest typing: 1.5 to 7.5 characters per second
    formal = rng.uniform(0.0, 0.03, n_workers)  # honest writers use "chatbot" words too, at up to 3%
    chatbot_vocab = PLAIN + list(TELL_WORDS) * 2
    llm_base = [
        " ".join(
            ["**Answer:**", rng.choice(STYLE)]
            + [_sentence(rng, chatbot_vocab, int(rng.integers(12, 20))) for _ in range(4)]
            + ["In conclusion, " + _sentence(rng, chatbot_vocab, 10)]
        )
        for _ in range(n_tasks)
    ]
    templates = [_sentence(rng, PLAIN, 15) for _ in range(n_workers)]
    task, worker, text, duration, pastes, llm = [], [], [], [], [], []
    for t in range(n_tasks):  # text is built per answer; the checks themselves are vectorised
        for w in rng.choice(n_workers, writers_per_task, replace=False).tolist():
            kind = kinds[w]
            retyped = False
            if kind == "llm":
                words = llm_base[t].split()
                cut = rng.integers(0, len(words), 2)
                words = [x for i, x in enumerate(words) if i not in set(cut.tolist())]
                answer = " ".join(words)
                retyped = rng.random() < 0.3  # some pasters retype the chatbot's answer at human speed
                seconds = len(answer) / (rng.uniform(2.0, 6.0) if retyped else rng.uniform(15.0, 60.0))
            else:
                vocab = PLAIN + list(rng.choice(TELL_WORDS, max(1, round(formal[w] * len(PLAIN)))))
                sentences = [
                    _sentence(rng, vocab, int(rng.integers(6, 16))) for _ in range(int(rng.integers(2, 6)))
                ]
                answer = (templates[w] + " " if kind == "template" else "") + " ".join(sentences)
                seconds = len(answer) / (speed[w] * rng.uniform(0.6, 1.0))
            task.append(f"t{t}")
            worker.append(f"w{w}")
            text.append(answer)
            duration.append(seconds)
            pasted = (kind == "llm" and not retyped) or (kind != "llm" and rng.random() < 0.05)  # own notes
            pastes.append(float(pasted) if paste_recorded else np.nan)
            llm.append(kind == "llm")
    demonstrations = Demonstrations.from_columns(
        task=task,
        worker=worker,
        text=text,
        duration_s=duration,
        paste_events=pastes if paste_recorded else None,
    )
    order = [int(name[1:]) for name in demonstrations.workers]
    return SimulatedDemonstrations(
        demonstrations=demonstrations,
        kinds=tuple(kinds[i] for i in order),
        llm_answer=np.array(llm, dtype=bool),
    )
