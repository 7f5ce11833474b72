import pytest

from dalil.index.fusion import reciprocal_rank_fusion


def test_item_ranked_well_by_both_beats_item_ranked_first_by_one():
    fused = reciprocal_rank_fusion([["a", "b", "c"], ["b", "c", "a"]], [1.0, 1.0], k=60)
    assert [item for item, _ in fused][0] == "b"


def test_scores_follow_the_formula():
    fused = dict(reciprocal_rank_fusion([["a", "b"], ["b"]], [1.0, 2.0], k=10))
    assert fused["a"] == pytest.approx(1 / 11)
    assert fused["b"] == pytest.approx(1 / 12 + 2 / 11)


def test_zero_weight_ranking_changes_nothing_but_adds_its_items_last():
    fused = reciprocal_rank_fusion([["a", "b"], ["z"]], [1.0, 0.0])
    assert [item for item, _ in fused] == ["a", "b", "z"]


def test_weights_decide_between_disagreeing_rankings():
    dense_first = reciprocal_rank_fusion([["d"], ["l"]], [2.0, 1.0])
    lexical_first = reciprocal_rank_fusion([["d"], ["l"]], [1.0, 2.0])
    assert dense_first[0][0] == "d" and lexical_first[0][0] == "l"


def test_validation():
    with pytest.raises(ValueError, match="one weight per ranking"):
        reciprocal_rank_fusion([["a"]], [1.0, 1.0])
    with pytest.raises(ValueError, match="k must be"):
        reciprocal_rank_fusion([["a"]], [1.0], k=0)
