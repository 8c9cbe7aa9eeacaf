"""The replay's controls: the keys and buttons ask for the right moves, the timeline seeks where it is
clicked or dragged and shows the time under the pointer, a typed time goes there or says what is wrong,
and the frame timer moves the replayed clock while playing."""

from __future__ import annotations

from datetime import datetime

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QVBoxLayout, QWidget

from console.viewmodels.playback import PlaybackViewModel
from console.views.playback_chrome import PlaybackChrome
from console.widgets import theme
from console.widgets.playback_words import TimeInputError, moment_text, parse_local_time
from tests.qt.playback_fake import MemoryPlayback, Timeline


def local(*parts: int) -> float:
    return datetime(*parts, tzinfo=theme.LOCAL_TZ).timestamp()


START, END, AT = local(2015, 11, 26), local(2015, 12, 3, 23), local(2015, 12, 1, 8)


@pytest.fixture
def replay(qtbot):
    """A window dressed for a replay of the Beijing episode, replaying (paused at 12-01 08:00, 60×)."""
    window = QWidget()
    layout = QVBoxLayout(window)
    layout.addWidget(QWidget(), 1)
    qtbot.addWidget(window)
    vm = PlaybackViewModel()
    chrome = PlaybackChrome(vm, window, layout)
    playback = MemoryPlayback(START, END, at=AT, speed=60, step_s=3600)
    window.resize(1600, 900)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    vm.attach(playback)
    return window, vm, chrome, playback


def key(qtbot, window, key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    qtbot.keyClick(window, key, modifier)


def test_keys_play_step_jump_go_to_the_ends_change_speed_and_go_back_to_live(qtbot, replay) -> None:
    window, vm, _chrome, playback = replay
    key(qtbot, window, Qt.Key.Key_Space)
    assert playback.state().playing
    key(qtbot, window, Qt.Key.Key_Space)
    assert not playback.state().playing
    key(qtbot, window, Qt.Key.Key_Right)
    assert playback.state().at == AT + 3600  # one reporting interval (hourly data)
    key(qtbot, window, Qt.Key.Key_Left)
    key(qtbot, window, Qt.Key.Key_Left)
    assert playback.state().at == AT - 3600
    key(qtbot, window, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    assert playback.state().at == AT
    key(qtbot, window, Qt.Key.Key_Left, Qt.KeyboardModifier.ControlModifier)
    assert playback.state().at == AT - 86400
    key(qtbot, window, Qt.Key.Key_Right, Qt.KeyboardModifier.ControlModifier)
    key(qtbot, window, Qt.Key.Key_Left, Qt.KeyboardModifier.ShiftModifier)
    assert playback.state().at == AT - 3600
    key(qtbot, window, Qt.Key.Key_End)
    assert playback.state().at == END
    key(qtbot, window, Qt.Key.Key_Home)
    assert playback.state().at == START
    key(qtbot, window, Qt.Key.Key_Plus)
    assert playback.state().speed == 600
    key(qtbot, window, Qt.Key.Key_Plus)
    key(qtbot, window, Qt.Key.Key_Plus)  # the fastest stays
    assert playback.state().speed == 3600
    key(qtbot, window, Qt.Key.Key_Minus)
    assert playback.state().speed == 600
    for back in (Qt.Key.Key_Escape, Qt.Key.Key_L):
        with qtbot.waitSignal(vm.live_requested, timeout=1000):
            key(qtbot, window, back)


def test_typing_a_time_keeps_the_keys_in_the_field(qtbot, replay) -> None:
    _window, vm, chrome, playback = replay
    field = chrome.bar.time_field
    field.setFocus()
    qtbot.waitUntil(field.hasFocus)
    calls = list(playback.calls)
    with qtbot.assertNotEmitted(vm.live_requested):
        qtbot.keyClicks(field, "12-01 L")
        qtbot.keyClick(field, Qt.Key.Key_Left)
        qtbot.keyClick(field, Qt.Key.Key_Home)
    assert field.text() == "12-01 L" and playback.calls == calls


def test_live_the_keys_ask_for_nothing_and_nothing_of_the_replay_shows(qtbot, replay) -> None:
    window, vm, chrome, playback = replay
    vm.detach()
    calls = list(playback.calls)
    for k in (Qt.Key.Key_Space, Qt.Key.Key_Right, Qt.Key.Key_End, Qt.Key.Key_Plus):
        key(qtbot, window, k)
    assert playback.calls == calls
    assert not chrome.banner.isVisible() and not chrome.frame.isVisible() and not chrome.bar.isVisible()


def test_the_buttons_ask_for_the_same_moves_and_the_speed_shown_is_the_replays(qtbot, replay) -> None:
    _window, _vm, chrome, playback = replay
    bar = chrome.bar
    qtbot.mouseClick(bar.buttons["play"], Qt.MouseButton.LeftButton)
    assert playback.state().playing and "Pause" in bar.buttons["play"].text()
    qtbot.mouseClick(bar.buttons["day_forward"], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(bar.buttons["hour_back"], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(bar.buttons["step_forward"], Qt.MouseButton.LeftButton)
    assert playback.calls[-3:] == [("jump", 86400.0), ("jump", -3600.0), ("step", 1)]
    qtbot.mouseClick(bar.speed_buttons[3600.0], Qt.MouseButton.LeftButton)
    assert playback.state().speed == 3600
    assert [s for s, b in bar.speed_buttons.items() if b.isChecked()] == [3600.0]
    assert "3600×" in chrome.banner.text()


def test_clicking_the_timeline_seeks_there_and_dragging_follows_the_pointer(qtbot, replay) -> None:
    _window, _vm, chrome, playback = replay
    timeline = chrome.bar.timeline
    track = timeline.track()
    quarter = QPoint(round(track.left() + track.width() * 0.25), round(track.center().y()))
    qtbot.mouseClick(timeline, Qt.MouseButton.LeftButton, pos=quarter)
    span = END - START
    assert playback.state().at == pytest.approx(START + span * 0.25, abs=span / track.width() * 2)
    assert timeline.at == playback.state().at  # the moment marker moved there too
    qtbot.mousePress(timeline, Qt.MouseButton.LeftButton, pos=quarter)
    three_quarters = QPoint(round(track.left() + track.width() * 0.75), quarter.y())
    qtbot.mouseMove(timeline, three_quarters)
    qtbot.mouseRelease(timeline, Qt.MouseButton.LeftButton, pos=three_quarters)
    assert playback.state().at == pytest.approx(START + span * 0.75, abs=span / track.width() * 2)


def test_hovering_the_timeline_shows_the_local_time_under_the_pointer(qtbot, replay) -> None:
    _window, _vm, chrome, _playback = replay
    timeline = chrome.bar.timeline
    track = timeline.track()
    middle = round(track.left() + track.width() / 2)
    qtbot.mouseMove(timeline, QPoint(middle, round(track.center().y())))
    qtbot.waitUntil(lambda: timeline.hover_text() != "")
    assert timeline.hover_text() == moment_text(timeline.time_at(middle), seconds=False)
    assert timeline.hover_text().startswith("2015-11-29 Sun")  # the middle of 11-26 … 12-03, local time


def test_a_typed_time_goes_there_and_bad_input_says_what_to_type(qtbot, replay) -> None:
    _window, _vm, chrome, playback = replay
    bar = chrome.bar
    for text, problem in (
        ("yesterday", "Type a time as"),
        ("2015-02-30 08:00", "No such date"),
        ("2016-01-01 00:00", "outside the replay"),
        ("", "Type a time first"),
    ):
        bar.time_field.setText(text)
        qtbot.keyClick(bar.time_field, Qt.Key.Key_Return)
        assert problem in bar.message.full_text(), text
        assert playback.state().at == AT  # nowhere
    bar.time_field.setText("2015-11-28 14:30")
    qtbot.mouseClick(bar.buttons["go"], Qt.MouseButton.LeftButton)
    assert playback.state().at == local(2015, 11, 28, 14, 30)
    assert bar.message.full_text() == "" and bar.time_field.text() == ""
    bar.time_field.setText("12-02 07:00")  # the year of the moment shown
    qtbot.keyClick(bar.time_field, Qt.Key.Key_Return)
    assert playback.state().at == local(2015, 12, 2, 7)


def test_typed_times_read_as_the_sites_local_time() -> None:
    around = local(2015, 12, 1, 8)
    assert parse_local_time("2015-12-01 08:00", around) == around
    assert parse_local_time("2015-12-01T08:00:30", around) == around + 30
    assert parse_local_time("23:15", around) == local(2015, 12, 1, 23, 15)
    with pytest.raises(TimeInputError):
        parse_local_time("25:00", around)


def test_the_timeline_shows_episodes_and_incidents_the_replay_publishes(qtbot, replay) -> None:
    _window, vm, chrome, playback = replay
    episode = (local(2015, 11, 27, 16), local(2015, 12, 1, 22))
    playback.set_timeline(Timeline([(START, END)], [episode], [(local(2015, 11, 30, 9), "INC-1")]))
    vm.flush()
    assert chrome.bar.timeline.episodes == [episode]
    assert chrome.bar.timeline.incidents == [(local(2015, 11, 30, 9), "INC-1")]
    timeline = chrome.bar.timeline
    y = round(timeline.track().center().y())
    qtbot.mouseMove(timeline, QPoint(round(timeline.x_of(local(2015, 11, 30, 9))), y))
    qtbot.waitUntil(lambda: "INC-1" in timeline.hover_text())
    assert "heavy pollution (city AQI > 200)" in timeline.hover_text()  # the episode under the pointer too
    image = chrome.bar.timeline.grab().toImage()
    x = round(chrome.bar.timeline.x_of(local(2015, 11, 29)))
    y = round(chrome.bar.timeline.track().center().y() + chrome.bar.timeline.track().height() * 0.15)
    assert image.pixelColor(x, y).name() == "#99004c"  # the episode in the colour of 重度 (level 5)


def test_playing_moves_the_replayed_clock_with_real_time_times_the_speed(qtbot, replay) -> None:
    _window, vm, chrome, playback = replay
    vm.set_speed(3600)
    vm.play()
    qtbot.waitUntil(lambda: playback.state().at > AT + 600, timeout=5000)  # frames ticked the engine
    qtbot.waitUntil(lambda: chrome.bar.timeline.at > AT + 600, timeout=2000)
    assert playback.clock.now() == playback.state().at
    vm.pause()
    paused_at = playback.state().at
    qtbot.wait(100)
    assert playback.state().at == paused_at


def test_under_a_range_of_years_a_detail_strip_shows_the_week_around_the_moment(qtbot, replay) -> None:
    _window, vm, chrome, _playback = replay
    years = MemoryPlayback(local(2013, 3, 1), local(2017, 2, 28), at=AT, speed=3600)
    vm.attach(years)
    bar = chrome.bar
    assert bar.detail.isVisible()
    first, last = bar.detail.shown()
    assert first <= AT <= last and last - first == 7 * 86400
    assert bar.timeline.mark == (first, last)  # the overview outlines where the strip looks
    assert [label for _ts, label in bar.timeline.ticks(80)][:2] == ["2013-04", "2013-07"]  # months, not days
    track = bar.detail.track()
    middle = QPoint(round(track.center().x()), round(track.center().y()))
    qtbot.mouseClick(bar.detail, Qt.MouseButton.LeftButton, pos=middle)
    assert years.state().at == pytest.approx((first + last) / 2, abs=7 * 86400 / track.width() * 2)
    vm.seek(local(2016, 6, 1))  # the strip turns a page to follow the moment
    vm.flush()
    first, last = bar.detail.shown()
    assert first <= local(2016, 6, 1) <= last
