"""Every console setting, declared once with its type, default and description (command line + defaults)."""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from console.core.transport import Transport, TransportError, check_hubs
from console.views.layout import LayoutError, ScreenPlan, crowding, default_layout, load_layout


def default_data_dir() -> Path:
    """Where the console keeps its cache, window state and the embedded hub's data."""
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "ecoconsole"


@dataclass
class Settings:
    """The console's settings after parsing the command line."""

    hub_url: str = ""  # empty: start the embedded hub with the simulated city
    hub_fallbacks: tuple[str, ...] = ()  # the cluster's other hubs: the link fails over to them in turn
    token: str = ""
    layout_file: Path | None = None
    snapshot_dir: Path | None = None
    snapshot_after: float = 10.0
    lang: str = ""  # zh_CN or en; empty: follow the system locale
    data_dir: Path = field(default_factory=default_data_dir)
    region: str = "yanqing"
    accel: float = 1.0
    title: str = ""
    tile_diagonal_in: float = 55.0
    viewing_distance_m: float = 4.0
    desk: bool = False
    map_gpu: bool = False
    cache_raw_days: float = 7.0
    cache_hourly_days: float = 365.0
    tile_url: str = ""  # an intranet tile server, e.g. http://tiles.local/{z}/{x}/{y}.png
    tiles_wgs84: bool = False  # tiles in WGS-84 (default: Chinese tiles are GCJ-02)
    log_level: str = "INFO"
    user: str = ""  # log in as this user (REST), and use the session token on the link
    password: str = ""  # with --user; the embedded hub's demo users take its token as password
    dispatch: bool = False  # open the coordinator's dispatch window too (Ctrl+D toggles it)
    ca_file: Path | None = None  # CA that signed the hub's certificate (default: the system's CAs)
    insecure: bool = False  # allow plain ws:// or http:// to a hub on another machine
    playback: bool = False  # replay the hub's history instead of showing it live
    playback_at: float | None = None  # the replayed moment to open at (Unix s); default: the first with data
    playback_speed: float = 60.0  # one of console.core.playback.SPEEDS
    episode_file: Path | None = None  # replay this episode file: no hub, no network
    briefing: bool = False  # start in the leaders' briefing mode (F5 on the wall switches, Esc goes back)
    briefing_as_of: date | None = None  # the day the briefing speaks of (default: today)
    briefing_file: Path | None = None  # TOML: pages, durations, viewing distance, targets, forecast

    def transport(self) -> Transport:
        """TLS settings for the link and REST calls."""
        return Transport(self.ca_file, self.insecure)

    def hubs(self) -> list[str]:
        """Every hub to talk to, the first first (none before the embedded hub started)."""
        return [self.hub_url, *self.hub_fallbacks] if self.hub_url else []

    def banner_title(self) -> str:
        """The banner's title; with --insecure it starts with INSECURE for everyone in the room to see."""
        if self.insecure and any(url.lower().startswith(("ws:", "http:")) for url in self.hubs()):
            return f"INSECURE (no TLS) · {self.title}" if self.title else "INSECURE (no TLS)"
        return self.title

    @property
    def scale(self):
        from console.widgets.theme import WallScale

        if self.desk:
            return WallScale.desk()
        wall = WallScale(self.tile_diagonal_in, self.viewing_distance_m)
        return wall.shared_by(self.crowding())

    def crowding(self) -> int:
        """The most views one screen shows (1 on a wall of three screens, 3 on a single screen)."""
        from PySide6.QtGui import QGuiApplication

        if QGuiApplication.instance() is None:
            return 1
        return crowding(self.layout(), len(QGuiApplication.screens()))

    def layout(self) -> list[ScreenPlan]:
        from PySide6.QtGui import QGuiApplication

        if self.layout_file is not None:
            return load_layout(self.layout_file)
        return default_layout(len(QGuiApplication.screens()))


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python main.py", description="Environmental command-centre console.")
    p.add_argument(
        "--hub",
        dest="hub_url",
        default="",
        help="hub URL (wss/https; ws/http on loopback), or a cluster's hubs separated by commas, tried in "
        "turn when one fails; default: embedded simulated city",
    )
    p.add_argument("--token", default="", help="token for --hub (visible in ps: prefer $ECOCONSOLE_TOKEN)")
    p.add_argument(
        "--ca-file", type=Path, help="CA certificate(s) to verify a wss:// or https:// hub (default: system)"
    )
    p.add_argument(
        "--insecure", action="store_true", help="allow plain ws:// or http:// to a hub on another machine"
    )
    p.add_argument("--layout", dest="layout_file", type=Path, help="TOML file assigning views to screens")
    p.add_argument(
        "--snapshot", dest="snapshot_dir", type=Path, help="render every wall window to PNG here, then exit"
    )
    p.add_argument(
        "--after", dest="snapshot_after", type=float, default=10.0, help="seconds before --snapshot"
    )
    p.add_argument(
        "--lang", default="", choices=["", "zh_CN", "en"], help="interface language (default: system)"
    )
    p.add_argument(
        "--data-dir", type=Path, default=default_data_dir(), help="cache, settings, embedded hub data"
    )
    p.add_argument("--region", default="yanqing", help="embedded simulation region: yanqing or huludao")
    p.add_argument("--accel", type=float, default=1.0, help="embedded simulation speed (simulated s per s)")
    p.add_argument("--title", default="", help="command centre name shown in the banner")
    p.add_argument(
        "--tile-diagonal", dest="tile_diagonal_in", type=float, default=55.0, help="wall tile size, inches"
    )
    p.add_argument("--viewing-distance", dest="viewing_distance_m", type=float, default=4.0, help="metres")
    p.add_argument("--desk", action="store_true", help="desk-screen text sizes instead of video-wall sizes")
    p.add_argument("--map-gpu", action="store_true", help="let the map page use the GPU (more memory)")
    p.add_argument(
        "--cache-raw-days", type=float, default=7.0, help="days of raw data kept in the local cache"
    )
    p.add_argument("--cache-hourly-days", type=float, default=365.0, help="days of hourly means kept")
    p.add_argument(
        "--tile-url", default="", help="basemap tiles from the intranet: http://host/{z}/{x}/{y}.png"
    )
    p.add_argument("--tiles-wgs84", action="store_true", help="the tiles are WGS-84 (default: GCJ-02)")
    p.add_argument("--log-level", default="INFO", help="DEBUG, INFO, WARNING ...")
    p.add_argument("--user", default="", help="log in as this user; the hub's answer gives the role")
    p.add_argument(
        "--password", default="", help="password for --user (visible in ps: prefer $ECOCONSOLE_PASSWORD)"
    )
    p.add_argument("--dispatch", action="store_true", help="open the dispatch window (Ctrl+D toggles it)")
    p.add_argument("--playback", action="store_true", help="replay the hub's history (commands are disabled)")
    p.add_argument(
        "--at",
        dest="playback_at",
        help="replayed moment: ISO 8601 with zone (2015-12-01T08:00+08:00) or Unix s",
    )
    p.add_argument(
        "--speed", dest="playback_speed", type=float, default=60.0, help="replay speed: 1, 10, 60, 600, 3600"
    )
    p.add_argument(
        "--open-episode", dest="episode_file", type=Path, help="replay an episode file (no hub, no network)"
    )
    p.add_argument("--briefing", action="store_true", help="start in briefing mode (F5 toggles, Esc leaves)")
    p.add_argument(
        "--briefing-as-of", type=_day, help="the day a briefing speaks of, YYYY-MM-DD (default: today)"
    )
    p.add_argument("--briefing-file", type=Path, help="TOML: briefing pages, durations, targets, forecast")
    return p


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a day like 2015-12-31, got {text!r}") from None


def parse_settings(argv: list[str] | None = None) -> Settings:
    """Parse the command line; a bad value exits with a clear message (argparse's usual exit code 2)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    settings = Settings(**{k: v for k, v in vars(args).items()})
    settings.token = settings.token or os.environ.get("ECOCONSOLE_TOKEN", "")
    if settings.hub_url and not settings.token and not settings.user:
        parser.error("--hub needs --token (or ECOCONSOLE_TOKEN) or --user")
    if settings.password and not settings.user:
        parser.error("--password needs --user")
    settings.password = settings.password or os.environ.get("ECOCONSOLE_PASSWORD", "")
    if settings.user and settings.hub_url and not settings.password:
        parser.error("--user needs --password (or ECOCONSOLE_PASSWORD) for --hub")
    _check_transport(parser, settings)
    _check_playback(parser, settings)
    if settings.layout_file is not None:
        try:
            load_layout(settings.layout_file)
        except LayoutError as exc:
            parser.error(str(exc))
    if settings.briefing_file is not None:
        from console.core.briefing import BriefingConfigError, load_config

        try:
            load_config(settings.briefing_file)
        except BriefingConfigError as exc:
            parser.error(str(exc))
    settings.log_level = settings.log_level.upper()
    return settings


def _check_transport(parser: argparse.ArgumentParser, settings: Settings) -> None:
    """--hub A[,B...]: an empty item, a hub given twice, a plain address off this machine without
    --insecure, or an unreadable --ca-file ends the start, naming the bad one."""
    if not settings.hub_url:
        return
    try:
        first, *others = split_hubs(settings.hub_url)
        check_hubs([first, *others], settings.transport())
    except TransportError as exc:
        parser.error(f"--hub {settings.hub_url}: {exc}")
    settings.hub_url, settings.hub_fallbacks = first, tuple(others)
    if settings.ca_file is not None:
        try:
            settings.transport().ssl_for("https://hub")  # the CA file is read now, not at the first connect
        except TransportError as exc:
            parser.error(str(exc))


def split_hubs(text: str) -> list[str]:
    """``--hub``'s addresses: one, or several separated by commas (each stripped of spaces)."""
    return [item.strip() for item in text.split(",")]


def _check_playback(parser: argparse.ArgumentParser, settings: Settings) -> None:
    """--playback, --at, --speed and --open-episode: a bad time, speed or episode file ends the start."""
    from console.core.episode import Episode, EpisodeError
    from console.core.playback import SPEEDS
    from console.core.replay import parse_moment

    at: object = settings.playback_at
    if at is not None:
        if not (settings.playback or settings.episode_file):
            parser.error("--at needs --playback or --open-episode")
        try:
            settings.playback_at = parse_moment(str(at))
        except ValueError as exc:
            parser.error(f"--at: {exc}")
    if settings.playback_speed not in SPEEDS:
        parser.error(
            f"--speed must be one of {', '.join(str(s) for s in SPEEDS)}, not {settings.playback_speed:g}"
        )
    if settings.episode_file is not None:
        if settings.playback or settings.hub_url:
            parser.error("--open-episode replays a file with no hub: leave out --playback and --hub")
        try:
            Episode(settings.episode_file).close()  # checked whole now: a damaged file never opens a window
        except EpisodeError as exc:
            parser.error(f"--open-episode: {exc}")
