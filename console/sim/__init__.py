"""The simulated city: region presets, the monitoring network, its physics and the simulated data loggers."""
