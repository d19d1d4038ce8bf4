"""A chapter's parameters (lithm.chapter.check_parameters): every mistake named with its fix."""

import pytest

from lithm.chapter import ParameterError, check_parameters


def test_good_parameters_come_back_normalised():
    params = check_parameters(
        profile="book", datasets="cifar10", seed=0, levels=[0.0, 0.3], level=0.3,
        timing_steps=5, class_scale="build", epochs=None,
    )  # fmt: skip
    assert params["datasets"] == ("cifar10",) and params["train_missing"] is False
    assert params["seed"] == 0 and params["class_scale"] == "build"


@pytest.mark.parametrize(
    ("others", "message"),
    [
        ({"profile": "tiny"}, "profile='tiny' is not a profile; use one of: smoke, book, paper"),
        ({"datasets": "svhn"}, "unknown dataset 'svhn'; valid datasets: mnist, cifar10"),
        ({"datasets": []}, "datasets is empty"),
        ({"epochs": 0}, "epochs=0 must be a positive integer or None"),
        ({"timing_steps": 2.5}, "timing_steps=2.5 must be a positive integer"),
        ({"seed": True}, "seed=True must be an integer >= 0"),
        ({"image_index": -3}, "image_index=-3 must be an integer >= 0"),
        ({"filter_index": "1"}, "filter_index='1' must be an integer >= 0"),
        ({"level": 1.0}, "level=1.0 must be a translation level in [0, 1)"),
        ({"levels": [0.1, 1.5]}, "levels=[0.1, 1.5]: levels must lie in [0, 1)"),
        ({"class_scale": "huge"}, "class_scale='huge': use one of class, build"),
    ],
)
def test_each_mistake_is_named_with_its_fix(others, message):
    base = {"profile": "smoke", "datasets": ["mnist"]}
    with pytest.raises(ParameterError) as info:
        check_parameters(**{**base, **others})
    assert message in str(info.value)
