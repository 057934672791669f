"""The four example strategies (read-only in the UI: copy one into ``user_strategies/`` to change it).

``ema_crossover.EMACrossover``, ``rsi_strategy.RSIStrategy``, ``momentum_strategy.MomentumStrategy``
and ``mean_reversion.MeanReversion``: each reads daily candles with ``get_history``, computes its
indicator with pandas in small pure functions, logs what it saw and returns smart-order signals.
"""
