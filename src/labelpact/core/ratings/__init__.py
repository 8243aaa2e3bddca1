"""Rubric and Likert ratings: the data contract, alpha per criterion, rater effects and consensus
scores, and a simulator with known truth. Pure: numpy, scipy and labelpact only."""

from labelpact.core.ratings.raters import RaterEffects, rater_effects, straight_lining, straight_lining_counts
from labelpact.core.ratings.ratings import Ratings
from labelpact.core.ratings.reliability import rating_agreement
from labelpact.core.ratings.simulate import SimulatedRatings, simulate_ratings

__all__ = [
    "RaterEffects",
    "Ratings",
    "SimulatedRatings",
    "rater_effects",
    "rating_agreement",
    "simulate_ratings",
    "straight_lining",
    "straight_lining_counts",
]
