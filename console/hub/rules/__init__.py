"""Alarm rules: readings, station states and the data clock in, incident findings out (the "discover" step).

``engine`` holds the ``RuleEngine``, ``episodes`` the episode book-keeping, ``config`` the thresholds,
``channel`` the base channel (validity, the stuck rule), and one module per station kind its channels and
rules: ``air`` (air, scenic, micro), ``noise``, ``water``, ``fume`` (catering), ``sources`` (outlets,
landfill odour).
"""

from console.hub.rules.config import RULES, Finding, RuleConfig
from console.hub.rules.engine import RuleEngine

__all__ = ["RULES", "Finding", "RuleConfig", "RuleEngine"]
