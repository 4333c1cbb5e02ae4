"""The SQLite lock (`storage.lock_rows`): acquire, release, expiry, refresh, and contention between
connections and threads on one database file."""

from __future__ import annotations

import datetime as dt
import socket
import threading
from pathlib import Path

from storage import lock_rows as lock
from storage.db import open_db

NOW = dt.datetime(2026, 11, 24, 6, 0, tzinfo=dt.UTC)
MINUTE = dt.timedelta(minutes=1)


def test_acquire_is_exclusive_until_released(db) -> None:
    assert lock.acquire(db, "cycle", "a", NOW, 60)
    assert not lock.acquire(db, "cycle", "b", NOW + dt.timedelta(seconds=59), 60)
    assert lock.holder(db, "cycle")["owner"] == "a"
    assert not lock.release(db, "cycle", "b")  # not b's to release
    assert lock.release(db, "cycle", "a")
    assert lock.holder(db, "cycle") is None
    assert lock.acquire(db, "cycle", "b", NOW, 60)


def test_locks_are_independent_by_name(db) -> None:
    assert lock.acquire(db, "cycle", "a", NOW, 60)
    assert lock.acquire(db, "deliver", "b", NOW, 60)


def test_same_owner_reacquires_and_extends(db) -> None:
    assert lock.acquire(db, "cycle", "a", NOW, 60)
    assert lock.acquire(db, "cycle", "a", NOW + MINUTE / 2, 60)
    assert lock.holder(db, "cycle")["expires_at"] == lock.stamp(NOW + MINUTE * 1.5)


def test_expired_lock_lapses(db) -> None:
    assert lock.acquire(db, "cycle", "killed", NOW, MINUTE)
    assert not lock.acquire(db, "cycle", "b", NOW + MINUTE, 60)  # expiry instant: still held
    assert lock.acquire(db, "cycle", "b", NOW + MINUTE + dt.timedelta(microseconds=1), 60)
    assert lock.holder(db, "cycle")["owner"] == "b"
    assert not lock.release(db, "cycle", "killed")
    assert not lock.refresh(db, "cycle", "killed", NOW + 2 * MINUTE, 60)


def test_refresh_keeps_the_lock_alive(db) -> None:
    assert lock.acquire(db, "cycle", "a", NOW, MINUTE)
    for step in range(1, 5):
        assert lock.refresh(db, "cycle", "a", NOW + step * MINUTE / 2, MINUTE)
        assert not lock.acquire(db, "cycle", "b", NOW + step * MINUTE / 2 + MINUTE / 4, 60)
    assert lock.holder(db, "cycle")["expires_at"] == lock.stamp(NOW + 3 * MINUTE)
    assert not lock.refresh(db, "cycle", "b", NOW, MINUTE)


def test_refresh_after_expiry_when_nobody_took_it(db) -> None:
    assert lock.acquire(db, "cycle", "a", NOW, MINUTE)
    assert lock.refresh(db, "cycle", "a", NOW + 2 * MINUTE, MINUTE)
    assert not lock.acquire(db, "cycle", "b", NOW + 2 * MINUTE, 60)


def test_stamps_compare_as_times() -> None:
    early = lock.stamp(dt.datetime(2026, 1, 1, 23, 59, 59, 999_999, tzinfo=dt.UTC))
    late = lock.stamp(dt.datetime(2026, 1, 2, 1, 0, tzinfo=dt.timezone(dt.timedelta(hours=1))))
    assert early < late and late == "2026-01-02T00:00:00.000000Z"


def test_two_connections_to_one_file_contend(tmp_path: Path) -> None:
    path = tmp_path / "lock.db"
    first, second = open_db(path), open_db(path)
    try:
        assert lock.acquire(first, "cycle", "one", NOW, 60)
        assert not lock.acquire(second, "cycle", "two", NOW, 60)
        assert lock.holder(second, "cycle")["owner"] == "one"
        assert lock.release(first, "cycle", "one")
        assert lock.acquire(second, "cycle", "two", NOW, 60)
        assert not lock.acquire(first, "cycle", "one", NOW, 60)
    finally:
        first.close()
        second.close()


def test_racing_threads_exactly_one_wins_each_round(tmp_path: Path) -> None:
    path = tmp_path / "race.db"
    open_db(path).close()
    threads, rounds = 8, 25
    wins: list[list[str]] = [[] for _ in range(rounds)]
    errors: list[BaseException] = []
    barrier = threading.Barrier(threads)

    def contend(owner: str) -> None:
        db = open_db(path)
        try:
            for round_ in range(rounds):
                barrier.wait()
                # every round starts after the previous holder's lock expired
                moment = NOW + round_ * MINUTE
                if lock.acquire(db, "cycle", owner, moment, 30):
                    wins[round_].append(owner)
        except BaseException as exc:
            errors.append(exc)
            barrier.abort()
        finally:
            db.close()

    workers = [threading.Thread(target=contend, args=(f"w{n}",)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert not errors
    assert [len(round_wins) for round_wins in wins] == [1] * rounds


def test_lock_of_a_dead_local_process_is_taken_over(tmp_path) -> None:
    import subprocess
    import sys

    from pipeline.ops import lock_holder as locking

    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    dead_owner = f"{socket.gethostname()}:{child.pid}:deadbeef:run"
    assert locking.owner_is_dead(dead_owner)
    assert not locking.owner_is_dead(locking.new_owner())
    assert not locking.owner_is_dead(f"other-host:{child.pid}:x")
    db_path = str(tmp_path / "l.db")
    db = open_db(db_path)
    now = dt.datetime(2026, 11, 24, tzinfo=dt.UTC)
    assert lock.acquire(db, "cycle", dead_owner, now, 180)
    with locking.held(db, db_path, "cycle", "me", lambda: now, "test") as taken:
        assert taken
        assert lock.holder(db, "cycle")["owner"] == "me"
    assert lock.holder(db, "cycle") is None
