"""Episodes: one per (station, rule) while its condition holds; they turn sightings into findings.

A first sighting opens an episode ("open"), a worse severity or a materially higher peak re-announces it
("update"), and once the condition has been absent for the rule's hold time it clears ("clear").
"""

from __future__ import annotations

from collections.abc import Callable

from console.core.incidents import Severity
from console.core.reasons import Why, render
from console.hub.rules.config import RULES, Finding, RuleConfig

# A finding's words and numbers, built only when a finding is actually emitted.
Describe = Callable[[], tuple[str, Why, dict[str, float]]]  # title, why, the numbers behind the why
Key = tuple[str, str]  # (station, rule)


class Episode:
    """One open episode of a (station, rule)."""

    __slots__ = ("category", "last_present", "score", "severity", "title", "updated", "values")

    def __init__(self, category: str, severity: Severity, score: float, ts: float) -> None:
        self.category = category
        self.severity = severity  # highest announced
        self.score = score  # peak announced (larger is worse)
        self.updated = ts  # data time of the last announcement
        self.last_present = ts
        self.title = ""
        self.values: dict[str, float] = {}


class Episodes:
    """The open episodes and the findings they produced since ``out`` was last replaced."""

    def __init__(self, config: RuleConfig, local: Callable[[float], str]) -> None:
        self._config = config
        self._local = local  # data time -> local time text, for the reasons
        self.open: dict[Key, Episode] = {}
        self.out: list[Finding] = []

    def present(
        self,
        station: str,
        rule: str,
        category: str,
        severity: Severity,
        ts: float,
        score: float,
        describe: Describe,
    ) -> None:
        """A rule's condition holds at ``ts``: open, update or just refresh the (station, rule) episode."""
        key = (station, rule)
        episode = self.open.get(key)
        if episode is None:
            episode = self.open[key] = Episode(category, severity, score, ts)
            self._emit("open", key, episode, ts, describe)
            return
        episode.last_present = max(episode.last_present, ts)
        cfg = self._config
        if severity > episode.severity or (
            score >= episode.score * (1.0 + cfg.update_growth) + 1e-12
            and ts - episode.updated >= cfg.update_min_s
        ):
            episode.severity = max(episode.severity, severity)
            episode.score = max(episode.score, score)
            episode.updated = ts
            self._emit("update", key, episode, ts, describe)

    def resume(self, station: str, rule: str, category: str, severity: Severity, last_present: float) -> bool:
        """Take up an episode opened before a restart, unannounced (see RuleEngine.resume_episode)."""
        key = (station, rule)
        if rule not in RULES or key in self.open:
            return False
        # score 0: the first sighting after the restart is announced as an update with today's figures
        episode = self.open[key] = Episode(category, severity, 0.0, last_present)
        episode.last_present = last_present + self._config.redetect(rule)
        return True

    def clear_stale(self, now: float) -> None:
        """Clear every episode whose condition has been absent for longer than its rule's hold time."""
        for key, episode in list(self.open.items()):
            if now - episode.last_present > self._config.hold(key[1]):
                del self.open[key]
                self._emit_clear(key, episode, now)

    def _emit(self, kind: str, key: Key, episode: Episode, ts: float, describe: Describe) -> None:
        title, why, values = describe()
        episode.title, episode.values = title, values
        finding = Finding(kind, *key, episode.category, episode.severity, ts, title, render(why), values, why)
        self.out.append(finding)

    def _emit_clear(self, key: Key, episode: Episode, now: float) -> None:
        hold = self._config.hold(key[1])
        why = Why(
            "clear",
            {
                "rule": key[1],
                "since": self._local(episode.last_present),
                "hold": f"{hold / 60:g}",
                "time": self._local(now),
            },
        )
        values = dict(episode.values) | {"last_present": episode.last_present, "hold_s": hold}
        title = f"Cleared: {episode.title}"
        finding = Finding(
            "clear", *key, episode.category, episode.severity, now, title, render(why), values, why
        )
        self.out.append(finding)
