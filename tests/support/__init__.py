"""Shared test helpers: building apps, logging in, running a live server, finding free ports."""
