"""The broker seam (``interface``) and its two implementations: ``sandbox`` and ``upstream``."""
