"""Stand-in of the custom_strategies package for the engine's tests (see tests/data/custom/README.md)."""
