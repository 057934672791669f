"""Not a strategy file: the package marker."""
