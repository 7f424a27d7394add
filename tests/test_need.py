import pandas as pd
import pytest

from geodata.need import band, england_imd_scores, national_cutoffs, need_weights


def test_need_weights_average_one_per_child_so_total_need_equals_children():
    scores = pd.Series([10.0, 40.0, 25.0])
    children = pd.Series([100, 300, 50])
    weights = need_weights(scores, children, gradient=1.0)
    assert (weights * children).sum() == pytest.approx(children.sum())


def test_gradient_zero_counts_every_child_equally():
    weights = need_weights(pd.Series([5.0, 60.0]), pd.Series([1, 1]), gradient=0.0)
    assert weights.tolist() == [1.0, 1.0]


def test_more_deprived_places_carry_more_need_per_child():
    weights = need_weights(pd.Series([10.0, 40.0]), pd.Series([1, 1]), gradient=1.0)
    assert weights[1] == pytest.approx(4 * weights[0])


def test_rebuilt_scores_cover_all_of_england_up_to_the_published_maximum():
    scores = england_imd_scores()
    assert len(scores) == 32844
    assert scores.max() == pytest.approx(92.735, abs=1e-3)  # Jaywick, the published top score


def test_national_cutoffs_are_the_quintile_and_median_of_england():
    high, low = national_cutoffs(80, 50)
    assert high == pytest.approx(33.25, abs=0.01)
    assert low == pytest.approx(17.65, abs=0.01)


def test_bands_split_at_the_cutoffs():
    assert [band(s, 33.0, 17.0) for s in (40, 33, 20, 17, 10)] == [
        "high", "high", "middle", "middle", "low"
    ]

