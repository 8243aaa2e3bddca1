"""Words in any script, and prose rules that code and formulae do not fail (finding 10)."""

from __future__ import annotations

import pytest

from labelpact.core.demonstrations import Demonstrations, demonstration_signals
from labelpact.core.demonstrations.words import answer_words, quality_reasons


def _twice(words: str) -> str:
    return f"{words} {words}"


RUSSIAN = _twice(
    "поле гора собака солнце стол окно ветер улица море лес река машина дверь дом дождь снег небо книга кошка мост"
)
GREEK = _twice(
    "ο ήλιος λάμπει πάνω από τη θάλασσα σήμερα και τα παιδιά παίζουν στην άμμο με χαρά ενώ οι γονείς κοιτούν"
)
HINDI = _twice("हिन्दी भाषा में लिखा गया एक लंबा उत्तर जो बताता है कि बच्चे आज समुद्र के किनारे खेल रहे हैं")
ARABIC = _twice(
    "كتب الطالب إجابة طويلة عن السؤال في الصف ثم قرأها المعلم بعناية وأعطاه درجة عالية لأنها كانت واضحة ومفيدة جدا"
)
GERMAN = "Die Straße ist naïve, don't fragen."
CODE = (
    "def merge(a, b):\n"
    '    """Merge two sorted lists into one sorted list."""\n'
    "    i, j, out = 0, 0, []\n"
    "    while i < len(a) and j < len(b):\n"
    "        if a[i] <= b[j]:\n"
    "            out.append(a[i]); i += 1\n"
    "        else:\n"
    "            out.append(b[j]); j += 1\n"
    "    out.extend(a[i:]); out.extend(b[j:])\n"
    "    return out\n"
)
MATH = "We need x such that 3x + 7 = 22. Subtract 7: 3x = 15. Divide by 3: x = 5. Check: 3(5) + 7 = 15 + 7 = 22. So x = 5."


@pytest.mark.parametrize("text", [RUSSIAN, GREEK, HINDI, ARABIC])
def test_forty_words_in_any_script_are_forty_words(text: str) -> None:
    words = answer_words(text)
    assert len(words) == 40  # 20 space-separated words, twice (marks stay inside Hindi words)
    assert words == text.split()
    assert quality_reasons(text, words, 10) == ()


def test_unspaced_scripts_count_a_word_per_letter_and_spaced_words_keep_their_letters() -> None:
    assert answer_words("中文字，测试") == ["中", "文", "字", "测", "试"]
    assert answer_words("ひらがなです") == ["ひ", "ら", "が", "な", "で", "す"]
    assert answer_words(GERMAN) == ["Die", "Straße", "ist", "naïve", "don't", "fragen"]
    assert answer_words("e\u0301te 3x 42") == ["e\u0301te", "x"]  # a combining accent; digits are no words


def test_correct_code_and_math_pass_the_prose_rules() -> None:
    for text in (CODE, MATH):
        assert quality_reasons(text, answer_words(text), 10) == ()


def test_junk_still_fails() -> None:
    symbols = "!!!! ???? ---- #### @@@@ **** //// ++++ ==== ~~~~ ;;;; hello world"
    assert "under 60% letters or digits" in quality_reasons(symbols, answer_words(symbols), 1)
    mash = "asdfghjklqwertyuiop zxcvbnmasdfghjklqwe poiuytrewqlkjhgfdsa mnbvcxzlkjhgfdsapoi"
    assert "mean word length outside 3-10" in quality_reasons(mash, answer_words(mash), 1)
    letters = "a b c d e f g h i j k l m n o p"
    assert "mean word length outside 3-10" in quality_reasons(letters, answer_words(letters), 1)
    assert quality_reasons("okay", ["okay"], 10) == ("fewer than 10 words",)


def test_signals_count_words_of_any_script() -> None:
    d = Demonstrations.from_columns(
        task=["t1", "t2", "t3", "t4"], worker=["a", "a", "b", "b"], text=[RUSSIAN, HINDI, CODE, MATH]
    )
    s = demonstration_signals(d)
    assert s.n_words.tolist()[:2] == [40, 40]
    assert s.quality == ((), (), (), ())
