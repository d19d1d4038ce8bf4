"""Tests for lithm.selfcheck: confirm says right or wrong and never prints the expected value."""

from lithm.selfcheck import confirm


def _said(capsys, *args, **kwargs) -> str:
    confirm(*args, **kwargs)
    return capsys.readouterr().out


def test_confirm_never_prints_the_expected_value(capsys):
    assert "Correct" in _said(capsys, 665_000, 665_856, tolerance=0.01, relative=True)
    wrong = _said(capsys, 600_000, 665_856, tolerance=0.01, relative=True)
    assert "Not yet" in wrong and "665" not in wrong
    assert "Put your answer" in _said(capsys, None, 665_856)


def test_confirm_compares_strings_and_other_values(capsys):
    assert "Correct" in _said(capsys, " Input ", "input")
    assert "Not yet" in _said(capsys, "synapse", "input")
    assert "Correct" in _said(capsys, (2, 2), (2, 2))
    assert "Not yet" in _said(capsys, "abc", 1.0)
