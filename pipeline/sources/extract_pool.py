"""Extracting pages in worker processes, each page under a budget of time and memory.

Extraction parses text that anyone on the internet wrote, so it never runs in the cycle's own
process: a page that loops, backtracks or balloons would freeze the worker (a CPU-bound
thread holds the GIL: no delivery, no lock heartbeat, no SIGTERM). Each page goes to a child
process with an address-space limit; a page that runs past its time is killed with its
process, which is replaced. The page fails alone with `ExtractionAborted`; the others go on.

Children die with the worker: they are forked from multiprocessing's fork server, which exits
once the worker is gone (children drop their hold on it), they ask the kernel for SIGKILL
when their parent dies (Linux), and they stop when their pipe to the worker closes. So
`kill -9` of the worker leaves nothing behind, not even multiprocessing's resource tracker.
Each job also notes the page's structure (`pipeline.structure`) for review gating.
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime as dt
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection, wait
from typing import Any

import sqlite_utils

from pipeline import structure
from pipeline.core.models import Extraction, FetchResult
from pipeline.extract import extract_document
from pipeline.sources.extract_jobs import snapshot_job
from pipeline.sources.pagediff.text import page_text

log = logging.getLogger(__name__)

EXTRACT_WORKERS = 2  # extraction processes per cycle (fewer when fewer pages changed)
MAX_RECORDS = 5_000  # records kept from one page per cycle; more is a warning
PARENT_CHECK_SECONDS = 1.0  # how often an idle child checks that its parent is alive


@dataclass(frozen=True)
class Budget:
    """What one page may cost: wall-clock seconds, and the child's address space in MiB.

    `from_env` reads `SUNSET_EXTRACT_SECONDS` and `SUNSET_EXTRACT_MEMORY_MB` (a dense page of
    more than ~600 KB may need more than the default 60 s); an unusable value is logged and
    the default kept.
    """

    seconds: float = 60.0
    memory_mb: int = 2048

    @classmethod
    def from_env(cls) -> Budget:
        default = cls()
        return cls(
            seconds=_positive("SUNSET_EXTRACT_SECONDS", default.seconds, float),
            memory_mb=int(_positive("SUNSET_EXTRACT_MEMORY_MB", default.memory_mb, int)),
        )


def _positive(name: str, default: float, kind: type) -> float:
    text = (os.environ.get(name) or "").strip()
    if not text:
        return default
    try:
        value = kind(text)
    except ValueError:
        value = 0
    if not 0 < value < 10**7:
        log.warning("%s=%r is not a positive number: using %g", name, text[:20], default)
        return default
    return value


class ExtractionAborted(Exception):
    """One page's extraction was stopped: over budget, its process died, or the run stopped."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason  # "time" | "memory" | "crashed" | "cancelled"


def _extract_job(
    body: bytes,
    fmt: str,
    provider: str,
    url: str,
    today: dt.date,
    known: frozenset[str] = frozenset(),
    text_of: tuple[str | None, str | None] | None = None,
) -> Extraction:
    """Extract one page; with `text_of` (its content type and charset) also its text for
    diffs, so the cycle's own thread (which holds the GIL the fetches need) need not."""
    extraction = extract_document(
        body, fmt=fmt, provider=provider, url=url, today=today, known_models=known
    )
    if text_of is not None:
        extraction = replace(extraction, page_text=page_text(body, *text_of))
    if extraction.structure is not None:
        return extraction
    # Parses the page a second time (about half of extraction's cost) until extraction
    # fills `Extraction.structure` from the Document it already parsed.
    return replace(extraction, structure=structure.of_body(body, fmt, url))


_TEXT_READING_EXTRACT = _extract_job  # bound here: a test may patch the module's name


def _capped(extraction: Extraction, cap: int) -> Extraction:
    if len(extraction.records) <= cap:
        return extraction
    note = (
        f"{len(extraction.records)} records found; only the first {cap} are kept "
        "(records per source per cycle are capped)"
    )
    return replace(
        extraction, records=extraction.records[:cap], warnings=(*extraction.warnings, note)
    )


def _die_with_parent() -> None:
    """Ask Linux to SIGKILL this process when its parent dies (PR_SET_PDEATHSIG)."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)


def _release_fork_server() -> None:
    """Close this child's copy of the fork server's "client alive" pipe.

    The fork server exits when every holder of that pipe is gone; a child holding it would
    keep the server (its parent) alive after the worker died, and so keep itself alive too.
    """
    with contextlib.suppress(Exception):
        from multiprocessing import forkserver

        server = forkserver._forkserver  # type: ignore[attr-defined]
        if server._forkserver_alive_fd is not None:
            os.close(server._forkserver_alive_fd)
            server._forkserver_alive_fd = None


def _child_main(
    conn: Connection, extract: Callable[..., Extraction], memory_mb: int, max_records: int
) -> None:
    """A child's loop: receive a job, extract it, send back ("ok"|"error"|"memory", value)."""
    parent = os.getppid()
    _release_fork_server()
    _die_with_parent()
    if os.getppid() != parent:
        return  # the parent died before the request took effect
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group; parent decides
    with contextlib.suppress(ValueError, OSError, AttributeError):
        import resource

        limit = memory_mb * 1024 * 1024
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    while True:
        try:
            if not conn.poll(PARENT_CHECK_SECONDS):
                if os.getppid() != parent:
                    return
                continue
            job = conn.recv()
        except (EOFError, OSError):
            return  # the parent closed its end (or died)
        if job is None:
            return
        try:
            outcome: tuple[str, Any] = ("ok", _capped(extract(*job), max_records))
        except MemoryError:
            outcome = ("memory", None)
        except Exception as exc:
            outcome = ("error", f"{type(exc).__name__}: {exc}{_where(exc)}")
        try:
            conn.send(outcome)
        except MemoryError:
            conn.send(("memory", None))
        except (EOFError, OSError):
            return
        if outcome[0] == "memory":
            return  # a process that ran out of memory is not trusted with another page


def _where(exc: BaseException) -> str:
    """ " (at pipeline/extract/tables.py:88)": the innermost frame, as the traceback stays here."""
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return ""
    last = frames[-1]
    parts = last.filename.replace(os.sep, "/").split("/")
    short = "/".join(parts[parts.index("pipeline") :]) if "pipeline" in parts else parts[-1]
    return f" (at {short}:{last.lineno})"


def _context() -> multiprocessing.context.BaseContext:
    # forkserver: children are forked from a small server process, never from the worker
    # (which holds threads and SQLite connections), and start in milliseconds.
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        preload = ["pipeline.sources.extract_pool", "pipeline.sources.extract_preload"]
        context.set_forkserver_preload(preload)  # every parser and the catalogue, once
        return context
    return multiprocessing.get_context("spawn")


def _start_ignoring_ctrl_c(process: Any, context: Any) -> None:
    """Start a child; the fork server (started for the first child) is spawned with Ctrl-C
    ignored. Ctrl-C reaches the whole process group, and the server imports its preload
    before it sets its own handler, so it printed a KeyboardInterrupt traceback. Only the
    spawn is covered, not the wait for the server: a Ctrl-C then still stops this process,
    which stops its children itself."""
    if context.get_start_method() == "forkserver" and (
        threading.current_thread() is threading.main_thread()
    ):
        from multiprocessing import forkserver

        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            forkserver.ensure_running()
        finally:
            signal.signal(signal.SIGINT, previous)
    process.start()


class ExtractionFailed(Exception):
    """The extractor raised inside the child; the message names the original exception."""


@dataclass
class _Child:
    process: Any
    conn: Connection
    key: Hashable | None = None
    deadline: float = 0.0


class ExtractPool:
    """Child processes taking one page at a time; results come back in completion order.

    `submit(key, load)` queues a page (`load()` returns the job's arguments and is called only
    when a child is free, so few bodies are in memory); `collect(timeout)` returns finished
    `(key, Extraction | Exception)` pairs, enforcing each page's time budget.
    """

    def __init__(
        self,
        *,
        workers: int = EXTRACT_WORKERS,
        budget: Budget | None = None,
        extract: Callable[..., Extraction] | None = None,
    ) -> None:
        self.workers = max(1, workers)
        self.budget = budget or Budget.from_env()
        self.extract = extract or _extract_job
        self.max_records = MAX_RECORDS
        self._queue: deque[tuple[Hashable, Callable[[], tuple]]] = deque()
        self._children: list[_Child] = []
        self._done: list[tuple[Hashable, Extraction | Exception]] = []
        self._lost: set[Hashable] = set()  # jobs whose child died before taking them
        self._context = _context()

    def __enter__(self) -> ExtractPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def busy(self) -> bool:
        return bool(self._queue) or any(c.key is not None for c in self._children)

    @property
    def reads_page_text(self) -> bool:
        """True when jobs may carry `text_of` (the default extractor returns the text)."""
        return self.extract is _TEXT_READING_EXTRACT

    def submit(self, key: Hashable, load: Callable[[], tuple]) -> None:
        self._queue.append((key, load))
        self._dispatch()

    def collect(
        self, timeout: float, wake: Sequence[Any] = ()
    ) -> list[tuple[Hashable, Extraction | Exception]]:
        """Wait up to `timeout` seconds for finished pages; return those finished so far.
        The wait also ends as soon as one of `wake` (objects `multiprocessing.connection.wait`
        accepts, such as a socket) is ready to read, so a caller blocks on both at once."""
        self._dispatch()
        running = [c for c in self._children if c.key is not None]
        if running and not self._done:
            now = time.monotonic()
            until = min(now + max(timeout, 0.0), *(c.deadline for c in running))
            waitables: list[Any] = [c.conn for c in running] + [c.process.sentinel for c in running]
            waitables += list(wake)
            wait(waitables, timeout=max(0.0, until - now))
        for child in running:
            self._reap(child)
        self._dispatch()
        done, self._done = self._done, []
        return done

    def cancel(self) -> list[Hashable]:
        """Stop everything: kill the running children, drop the queue; return the keys dropped."""
        keys = [key for key, _ in self._queue]
        self._queue.clear()
        for child in list(self._children):
            if child.key is not None:
                keys.append(child.key)
            self._kill(child)
        return keys

    def close(self) -> None:
        for child in list(self._children):
            if child.key is None:
                with contextlib.suppress(OSError, ValueError):
                    child.conn.send(None)
                child.process.join(timeout=1)
            self._kill(child)
        self._queue.clear()

    def _dispatch(self) -> None:
        while self._queue:
            child = next((c for c in self._children if c.key is None), None)
            if child is None:
                if len(self._children) >= self.workers:
                    return
                child = self._start()
            key, load = self._queue.popleft()
            try:
                job = load()
                child.conn.send(job)
            except (OSError, ValueError) as exc:  # the child died before its job
                self._kill(child)
                if key in self._lost:  # twice: children cannot start here; this page fails
                    self._lost.discard(key)
                    self._done.append(
                        (key, ExtractionAborted("crashed", "extraction process did not start"))
                    )
                else:
                    self._lost.add(key)
                    self._queue.appendleft((key, load))
                    log.warning("extraction process lost before a job (%s); replacing it", exc)
                continue
            except Exception as exc:  # loading the job failed: that page fails, not the pool
                self._done.append((key, exc))
                continue
            child.key, child.deadline = key, time.monotonic() + self.budget.seconds

    def _start(self) -> _Child:
        parent_end, child_end = self._context.Pipe(duplex=True)
        process = self._context.Process(
            target=_child_main,
            args=(child_end, self.extract, self.budget.memory_mb, self.max_records),
            name="sunset-extract",
            daemon=True,
        )
        _start_ignoring_ctrl_c(process, self._context)
        child_end.close()
        child = _Child(process, parent_end)
        self._children.append(child)
        return child

    def _reap(self, child: _Child) -> None:
        key = child.key
        try:
            ready = child.conn.poll()
        except (OSError, EOFError):
            ready = False
        if ready:
            try:
                status, value = child.conn.recv()
            except (EOFError, OSError):
                status, value = "crashed", None
            if status == "ok":
                self._finish(child, value)
                return
            if status == "error":
                self._finish(child, ExtractionFailed(value))
                return
            reason = "memory" if status == "memory" else "crashed"
        elif not child.process.is_alive():
            reason = "crashed"
        elif time.monotonic() >= child.deadline:
            reason = "time"
        else:
            return
        messages = {
            "memory": f"over the memory budget of {self.budget.memory_mb} MiB",
            "crashed": f"the extraction process died (exit code {child.process.exitcode})",
            "time": f"over the time budget of {self.budget.seconds:g} s; process killed",
        }
        self._kill(child)
        self._done.append((key, ExtractionAborted(reason, messages[reason])))

    def _finish(self, child: _Child, outcome: Extraction | Exception) -> None:
        self._done.append((child.key, outcome))
        child.key = None

    def _kill(self, child: _Child) -> None:
        if child.process.is_alive():
            child.process.kill()
        child.process.join(timeout=5)
        with contextlib.suppress(OSError):
            child.conn.close()
        with contextlib.suppress(ValueError):
            child.process.close()
        if child in self._children:
            self._children.remove(child)


def extract_snapshots(
    db: sqlite_utils.Database,
    changed: Sequence[tuple[dict, FetchResult | None, str]],
    *,
    today: dt.date,
    extract: Callable[..., Extraction] | None = None,
    budget: Budget | None = None,
) -> Iterator[Extraction | BaseException]:
    """Extract stored snapshots in child processes; yield each outcome in input order.

    An exception (the extractor's, or `ExtractionAborted`) is yielded, not raised.
    """
    outcomes: dict[int, Extraction | Exception] = {}
    workers = min(EXTRACT_WORKERS, max(1, len(changed)))
    with ExtractPool(workers=workers, budget=budget, extract=extract) as pool:
        for index, item in enumerate(changed):
            pool.submit(index, lambda item=item: snapshot_job(db, item[0], item[2], today))
        for index in range(len(changed)):
            while index not in outcomes:
                outcomes.update(pool.collect(timeout=0.5))  # type: ignore[arg-type]
            yield outcomes.pop(index)
