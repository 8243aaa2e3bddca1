from __future__ import annotations

import numpy as np
import pytest

from labelpact.core.demonstrations import lsh_bands, minhash_signatures, near_duplicates, normalise


def grams(text: str, k: int = 5) -> set[bytes]:
    raw = normalise(text).encode()
    return {raw[i : i + k] for i in range(len(raw) - k + 1)}


def test_normalise_ignores_case_punctuation_and_spacing() -> None:
    assert normalise("Hello,   WORLD!\nAgain") == "hello world again"


def test_signature_agreement_estimates_the_exact_jaccard() -> None:
    a = "the cat sat on the mat and looked around the room quietly before going to sleep"
    b = "the cat sat on a mat and looked around the big room quietly before going to sleep"
    exact = len(grams(a) & grams(b)) / len(grams(a) | grams(b))
    sig = minhash_signatures([a, b], num_perm=2048)
    assert np.mean(sig[0] == sig[1]) == pytest.approx(exact, abs=0.04)


def test_datasketch_estimates_the_same_similarity() -> None:
    datasketch = pytest.importorskip("datasketch")
    a, b = (
        "one two three four five six seven eight nine ten",
        "one two three four five six seven eight nine eleven",
    )
    ours = np.mean(np.equal(*minhash_signatures([a, b], num_perm=1024)))
    m1, m2 = datasketch.MinHash(num_perm=1024), datasketch.MinHash(num_perm=1024)
    m1.update_batch(list(grams(a)))
    m2.update_batch(list(grams(b)))
    assert ours == pytest.approx(m1.jaccard(m2), abs=0.06)


def test_lsh_bands_match_datasketch_choice() -> None:
    datasketch = pytest.importorskip("datasketch")
    for threshold in (0.5, 0.8, 0.9):
        lsh = datasketch.MinHashLSH(threshold=threshold, num_perm=128)
        assert lsh_bands(threshold, 128) == (lsh.b, lsh.r)


def test_near_duplicates_cluster_copies_and_leave_the_rest() -> None:
    base = "please restart the router then wait two minutes and check whether the light turns green again"
    texts = [
        base,
        base.replace("two", "2").upper(),  # the same answer, shouted with a digit
        base + " thanks",
        "bake the bread at two hundred degrees for forty minutes until the crust is golden brown",
        "",
        "ok",
    ]
    result = near_duplicates(minhash_signatures(texts), threshold=0.7)
    assert result.cluster[0] == result.cluster[1] == result.cluster[2] >= 0
    assert result.cluster[3:].tolist() == [-1, -1, -1]
    assert result.n_clusters == 1 and np.all(result.similarity >= 0.7)


@pytest.mark.parametrize("texts", [["Yes", "No", "42", "Rome"], ["", ""], ["", "a long enough answer"]])
def test_texts_too_short_to_shingle_are_unmeasured_not_a_crash(texts: list[str]) -> None:
    """Finding 3: with no usable signature (every text under 5 characters) the bands held no runs."""
    dups = near_duplicates(minhash_signatures(texts))
    assert dups.cluster.tolist() == [-1] * len(texts) and dups.n_clusters == 0
    assert dups.measured.tolist() == [len(normalise(t)) >= 5 for t in texts]
    assert dups.n_measured == sum(len(normalise(t)) >= 5 for t in texts)
