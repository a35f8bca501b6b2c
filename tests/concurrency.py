"""Real threads released together, each with its own database connection (PostgreSQL)."""

import threading

from django.db import connection


def run_together(count: int, work) -> list:
    """Run `work(i)` in `count` threads released at once; its result or its exception."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def thread_main(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = work(index)
        except Exception as error:  # handed to the test, which asserts on it
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=thread_main, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck"
    return results
