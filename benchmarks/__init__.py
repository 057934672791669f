"""Measured figures, run separately from the tests (`make bench` or `python -m benchmarks.<name>`)."""
