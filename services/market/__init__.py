"""Market data for the sandbox: the instrument master, simulated prices and candles, imported OHLCV."""
