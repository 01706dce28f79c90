"""SIGINT handling shared by the CLI and the distributed sweeps."""

import signal
import threading
from contextlib import contextmanager


@contextmanager
def sigint_ignored():
    """Ignore SIGINT (Ctrl-C) inside the block; a no-op outside the main thread, where signals cannot be set.

    Used while output is written (the rows done are never lost to a second Ctrl-C) and while worker
    processes are started (they inherit the disposition, so a terminal's Ctrl-C, sent to the whole
    process group, is handled by the calling process alone)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
