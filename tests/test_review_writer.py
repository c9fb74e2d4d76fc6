"""The review screen's writer, without a screen: changes committed in the order queued, off the
caller's thread, each reported after it is done; a failure reported and the next change written."""

from __future__ import annotations

import threading
import time

from valuegap_tui.review.writer import ReviewWriter


def wait_idle(writer: ReviewWriter, timeout: float = 5.0) -> None:
    end = time.monotonic() + timeout
    while not writer.idle():
        assert time.monotonic() < end, "the writer never finished"
        time.sleep(0.005)


def test_changes_are_written_in_order_in_another_thread_and_reported_after():
    written, reported, threads = [], [], set()
    writer = ReviewWriter(lambda label, result: reported.append((label, result, list(written))),
                          lambda label, exc: reported.append((label, exc, None)))

    def change(n):
        def write():
            threads.add(threading.current_thread().name)
            time.sleep(0.001 * (n % 3))  # uneven times: the order must not depend on them
            written.append(n)
            return n * 10
        return write

    for n in range(40):
        writer.submit(f"c{n}", change(n))
    wait_idle(writer)
    assert written == list(range(40))
    assert [label for label, _, _ in reported] == [f"c{n}" for n in range(40)]
    assert all(result == n * 10 and n in seen for n, (_, result, seen) in enumerate(reported))  # after the write
    assert threads == {"review-writer"} != {threading.current_thread().name}
    writer.close(timeout=2)


def test_a_failure_is_reported_and_the_next_change_still_written():
    done, failed = [], []
    writer = ReviewWriter(lambda label, result: done.append(label), lambda label, exc: failed.append((label, str(exc))))

    def boom():
        raise OSError("disk full")

    writer.submit("first", lambda: 1)
    writer.submit("broken", boom)
    writer.submit("third", lambda: 3)
    wait_idle(writer)
    assert done == ["first", "third"] and failed == [("broken", "disk full")]
    writer.close(timeout=2)


def test_close_writes_what_is_queued_then_stops_and_a_lost_report_is_no_loss():
    written = []

    def gone(label, result):
        raise RuntimeError("the screen is gone")

    writer = ReviewWriter(gone, gone)
    for n in range(5):
        writer.submit(str(n), lambda n=n: written.append(n))
    writer.close(timeout=5)
    assert written == [0, 1, 2, 3, 4] and writer.idle()
