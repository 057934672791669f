"""The sandbox broker: paper trading on simulated market data, persisted per user."""
