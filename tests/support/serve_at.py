"""``python -m tests.support.serve_at <ISO moment> [app.py options]``: serve the real host
(``app.main``) on a clock that reads ``moment`` now and then runs in real time.

The browser tests use it when what they check depends on the time of day (a schedule's window);
everything else about the host is exactly ``python app.py``.
"""

from __future__ import annotations

import sys
from datetime import datetime

from app import main
from tests.support.clocks import ShiftedClock

if __name__ == "__main__":
    sys.exit(main(sys.argv[2:], clock=ShiftedClock(datetime.fromisoformat(sys.argv[1]))))
