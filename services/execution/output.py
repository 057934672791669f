"""Capped capture of one execution's output (stdout, stderr and ``self.log`` lines, one stream).

The zygote reads the child's pipe as it fills, so a killed execution still has its output up to
the kill, and a flood (100 MB of prints) costs the host a fixed amount of memory: the first
``head`` and the last ``tail`` bytes are kept, the cut between them marked with its size.
"""

from __future__ import annotations

#: Kept from each end of an execution's output.
KEEP_BYTES = 64 * 1024


class CappedOutput:
    def __init__(self, head: int = KEEP_BYTES, tail: int = KEEP_BYTES) -> None:
        self._head_limit = head
        self._tail_limit = tail
        self._head = bytearray()
        self._tail = bytearray()
        self.total = 0

    def feed(self, data: bytes) -> None:
        self.total += len(data)
        room = self._head_limit - len(self._head)
        if room > 0:
            self._head += data[:room]
            data = data[room:]
        if not data:
            return
        self._tail += data
        # Trim in batches (not on every chunk): the tail is copied at most once per ``tail`` bytes.
        if len(self._tail) > 2 * self._tail_limit:
            del self._tail[: len(self._tail) - self._tail_limit]

    @property
    def cut(self) -> int:
        """How many bytes in the middle were dropped."""
        return max(0, self.total - len(self._head) - min(len(self._tail), self._tail_limit))

    def text(self) -> str:
        tail = bytes(self._tail[-self._tail_limit :]) if self._tail_limit else b""
        if self.cut:
            marker = f"\n[… {self.cut} bytes of output cut …]\n".encode()
            data = bytes(self._head) + marker + tail
        else:
            data = bytes(self._head) + tail
        return data.decode("utf-8", "replace")
