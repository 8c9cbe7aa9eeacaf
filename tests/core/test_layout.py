"""Wall layouts: defaults for 1, 2 and 3+ screens, layout files, folding onto fewer screens."""

from __future__ import annotations

import pytest

from console.views.layout import LayoutError, default_layout, fit_to_screens, load_layout


def views(plan) -> list[list[str]]:
    return [p.views for p in plan]


def test_defaults_use_every_screen_sensibly() -> None:
    assert views(default_layout(1)) == [["situation", "map", "action"]]
    assert views(default_layout(2)) == [["map"], ["situation", "action"]]
    assert views(default_layout(3)) == [["situation"], ["map"], ["action"]]
    assert views(default_layout(5)) == [["situation"], ["map"], ["action"]]
    assert default_layout(1)[0].stretch == [1, 2, 1]


def test_layout_file_is_read(tmp_path) -> None:
    path = tmp_path / "wall.toml"
    path.write_text(
        '[[screen]]\nviews = ["map"]\n[[screen]]\nviews = ["action", "situation"]\nstretch = [2, 1]\n'
    )
    plan = load_layout(path)
    assert views(plan) == [["map"], ["action", "situation"]] and plan[1].stretch == [2, 1]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('[[screen]]\nviews = ["map"', "not valid TOML"),
        ("title = 'x'", "no [[screen]]"),
        ("[[screen]]\nviews = ['radar']", "unknown view(s) radar"),
        ("[[screen]]\nviews = ['map']\nstretch = [0]", "positive integer"),
    ],
)
def test_bad_layout_files_say_what_is_wrong(tmp_path, text: str, words: str) -> None:
    path = tmp_path / "wall.toml"
    path.write_text(text)
    with pytest.raises(LayoutError) as err:
        load_layout(path)
    assert words in str(err.value)


def test_missing_layout_file_is_a_clear_error(tmp_path) -> None:
    with pytest.raises(LayoutError) as err:
        load_layout(tmp_path / "nope.toml")
    assert "cannot read layout file" in str(err.value)


def test_fewer_screens_fold_views_onto_the_last_one_without_losing_any() -> None:
    plan = default_layout(3)
    assert views(fit_to_screens(plan, 2)) == [["situation"], ["map", "action"]]
    assert views(fit_to_screens(plan, 1)) == [["situation", "map", "action"]]
    assert fit_to_screens(plan, 0) == []
