"""The domain of the host. Nothing in this package imports Flask."""
