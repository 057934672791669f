"""HTTP edge of the host: parse and validate input, call one service, render or answer JSON."""
