"""Pairwise preferences (RLHF comparisons with ties): the data contract, Bradley–Terry models, graph
checks, majority vote, worker quality and reliability. Pure: numpy, scipy and labelpact only."""

from labelpact.core.preferences.bradley_terry import BradleyTerry, PairCounts, Ties, pair_counts
from labelpact.core.preferences.comparisons import CHOICES, LEFT, RIGHT, TIE, Comparisons, Units
from labelpact.core.preferences.gold import GoldRanking, gold_ranking
from labelpact.core.preferences.graph import ComparisonGraph, comparison_graph, group_ranks, side_confounded
from labelpact.core.preferences.majority import PairMajority, pair_majority
from labelpact.core.preferences.noisy_bradley_terry import NoisyBradleyTerry
from labelpact.core.preferences.reliability import RankingStability, choice_agreement, ranking_stability
from labelpact.core.preferences.simulate import SimulatedPreferences, simulate_preferences
from labelpact.core.preferences.workers import PreferenceWorkers, preference_workers

__all__ = [
    "CHOICES",
    "LEFT",
    "RIGHT",
    "TIE",
    "BradleyTerry",
    "ComparisonGraph",
    "Comparisons",
    "GoldRanking",
    "NoisyBradleyTerry",
    "PairCounts",
    "PairMajority",
    "PreferenceWorkers",
    "RankingStability",
    "SimulatedPreferences",
    "Ties",
    "Units",
    "choice_agreement",
    "comparison_graph",
    "gold_ranking",
    "group_ranks",
    "pair_counts",
    "pair_majority",
    "preference_workers",
    "ranking_stability",
    "side_confounded",
    "simulate_preferences",
]
