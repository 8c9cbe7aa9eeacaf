"""Emergency units on the hub: positions in, judged and stored, published; duty and assignment.

``tracker`` judges each location report and places it in device time, ``jt808_listener`` takes vehicle
terminals over JT/T 808, ``osmand`` phones over HTTP, ``service`` ties them to storage, the event log and
the assignment commands, ``rest`` serves ``/api/units`` and tracks (docs/tracking.md).
"""
