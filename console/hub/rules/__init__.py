"""Alarm rules: readings, station states and the data clock in, incident findings out (the "discover" step).

``engine`` holds the ``RuleEngine``, ``episodes`` the episode book-keeping, ``config`` the thresholds,
and one module per station kind its channels.
"""

from console.hub.rules.config import RULES, Finding, RuleConfig
from console.hub.rules.engine import RuleEngine

__all__ = ["RULES", "Finding", "RuleConfig", "RuleEngine"]
