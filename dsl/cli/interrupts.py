"""How a run ends when it is told to stop: SIGINT (Ctrl-C), SIGTERM (`timeout`, `docker stop`,
systemd, Slurm) and SIGHUP (the terminal closed).

`RunControl` is installed for the length of a command (`with RunControl() as ctl:`):

* The **first** signal raises `Interrupted` in the main thread, where the command catches it
  (`ctl.stop()`), stops its engine (worker processes are terminated), finishes its output
  (whole records only) and exits with `128 + the signal's number`: 130 for SIGINT, 143 for
  SIGTERM, 129 for SIGHUP. While a record is being written (`with ctl.writing():`) the signal
  waits until the record is whole. `ctl.check()` between steps raises it again should it have
  been swallowed on the way.
* A **second** signal while the run stops kills the worker processes at once and gives the
  rest `GRACE_SECONDS`; a **third** signal, or the grace running out, ends the process
  immediately with the same exit code (`on_abandon` callbacks run first: a temporary output
  file is removed). A stop can therefore never be stuck, even on a blocked pipe.

The previous handlers come back when the `with` block ends. With `linger=True` (the command
line run as the program, whose process exits next) the stop signals are ignored instead for
the few milliseconds the process takes to exit, so that its exit code is the run's; after a
stop, the process is ended after `EXIT_SECONDS` should anything at exit hang. Outside the main
thread (where Python cannot set signal handlers) it does nothing.
"""
from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType, TracebackType

#: The signals that stop a run (SIGHUP where it exists).
STOP_SIGNALS = tuple(getattr(signal, n) for n in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, n))
#: After a second signal, how long the run may still take to finish its output before it is ended.
GRACE_SECONDS = 1.0
#: After a stopped command returns, how long the process may take to exit (with `linger`).
EXIT_SECONDS = 10.0


class Interrupted(KeyboardInterrupt):
    """The run was told to stop by a signal; `exit_code` is 128 + its number (130 for SIGINT)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal_name(signum))
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return 128 + self.signum

    @property
    def name(self) -> str:
        return signal_name(self.signum)


def interrupted_by(e: BaseException) -> Interrupted | None:
    """The `Interrupted` that caused `e`, if any.

    Python sometimes wraps an exception raised where it cannot go through as such (in
    `__set_name__` while a class is created, it becomes a RuntimeError "from" it).
    """
    seen: set[int] = set()
    x: BaseException | None = e
    while x is not None and id(x) not in seen:
        if isinstance(x, Interrupted):
            return x
        seen.add(id(x))
        x = x.__cause__ or x.__context__
    return None


def signal_name(signum: int) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"


class RunControl:
    """Signal handling for one command run: see the module docstring."""

    def __init__(self, grace: float = GRACE_SECONDS, linger: bool = False) -> None:
        self.grace = grace
        self.linger = linger
        self.signum: int | None = None   # the first signal received
        self.count = 0                   # signals received
        self.stopping = False            # the command caught `Interrupted` and is stopping (`stop()`)
        self.completed = False           # the work is done: a signal no longer interrupts it
        self._depth = 0                  # nesting of `writing()` blocks
        self._old: dict[int, object] = {}
        self._timer: threading.Timer | None = None
        self._abandon_hooks: list[Callable[[], None]] = []
        self._unraisable: Callable[[sys.UnraisableHookArgs], object] | None = None
        self.last_words: Callable[[], str] = lambda: "stopped at once"

    @property
    def name(self) -> str:
        """The first signal's name (SIGINT ...)."""
        return signal_name(self.signum) if self.signum is not None else "no signal"

    # --- installing ---------------------------------------------------------------------------------
    def __enter__(self) -> RunControl:
        if threading.current_thread() is threading.main_thread():
            self._unraisable = sys.unraisablehook
            sys.unraisablehook = self._unraisable_hook
            for s in STOP_SIGNALS:
                old = signal.getsignal(s)
                if old is signal.SIG_IGN:
                    continue          # `nohup`, a background job: a signal the caller ignores stays ignored
                self._old[s] = old
                signal.signal(s, self._handle)
        return self

    def __exit__(self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        if self.linger and self._old:
            # The process is on its way out, its output complete or finished: signals are
            # ignored from now on (Python resets handlers while it finalizes, and a signal then
            # would kill it with another exit status). After a stop, the process is ended after
            # EXIT_SECONDS should anything at exit hang.
            self.completed = True
            for s in self._old:
                signal.signal(s, signal.SIG_IGN)
            self._old.clear()
            if self._timer is not None:
                self._timer.cancel()
            if self.signum is not None:
                t = threading.Timer(EXIT_SECONDS, self.abandon)
                t.daemon = True
                t.start()
            return
        for s, old in self._old.items():
            signal.signal(s, old)     # type: ignore[arg-type]
        self._old.clear()
        if self._timer is not None:
            self._timer.cancel()
        if self._unraisable is not None:
            sys.unraisablehook = self._unraisable
            self._unraisable = None

    def _unraisable_hook(self, unraisable: sys.UnraisableHookArgs) -> None:
        """An `Interrupted` swallowed in a `__del__` is no error to print: `check()` raises it again."""
        if isinstance(unraisable.exc_value, Interrupted):
            return
        (self._unraisable or sys.__unraisablehook__)(unraisable)

    # --- what the command uses ----------------------------------------------------------------------
    @contextmanager
    def holding(self) -> Iterator[None]:
        """Hold a first signal while the block runs; `check()` raises it later."""
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Hold a first signal while the block runs (a record is written whole), then raise it."""
        with self.holding():
            yield
        self.check()

    def check(self) -> None:
        """Raise `Interrupted` if a signal came and the command has not begun to stop: call it between steps.

        The handler raises it at once, but an exception raised in a signal handler can be
        swallowed (it lands wherever Python happens to be, say in a `__del__` run by the
        garbage collector); checking again at safe points makes sure the run stops anyway.
        """
        if self.signum is not None and not (self.stopping or self.completed) and self._depth == 0:
            raise Interrupted(self.signum)

    def stop(self) -> None:
        """The command caught `Interrupted` and is stopping: signals from now on only hurry it."""
        self.stopping = True

    def complete(self) -> None:
        """The work is done and its output whole: a first signal from now on no longer interrupts it."""
        self.completed = True

    def on_abandon(self, hook: Callable[[], None]) -> None:
        """Run `hook` (quick, never blocking) if the process has to end at once."""
        self._abandon_hooks.append(hook)

    # --- the handler --------------------------------------------------------------------------------
    def _handle(self, signum: int, frame: FrameType | None) -> None:
        self.count += 1
        if self.signum is None:
            self.signum = signum
        if self.count == 2:
            kill_worker_processes()
            self._timer = threading.Timer(self.grace, self.abandon)
            self._timer.daemon = True
            self._timer.start()
        elif self.count > 2:
            self.abandon()
        self.check()

    def abandon(self) -> None:
        """End the process now: kill the workers, run the hooks, say how far it got, exit."""
        kill_worker_processes()
        for hook in self._abandon_hooks:
            try:
                hook()
            except Exception:   # ending anyway; each hook is best effort
                pass
        signum = self.signum if self.signum is not None else signal.SIGINT
        try:
            line = f"arabic-ie: {self.last_words()}\n".encode("utf-8", "replace")
        except Exception:   # the words are best effort too
            line = b"arabic-ie: stopped at once\n"
        # Written by a thread of its own, given a moment: a blocked stderr must not keep us alive.
        t = threading.Thread(target=_write_quietly, args=(2, line), daemon=True)
        t.start()
        t.join(0.5)
        os._exit(128 + signum)


def _write_quietly(fd: int, data: bytes) -> None:
    try:
        os.write(fd, data)
    except OSError:
        pass


def kill_worker_processes() -> None:
    """SIGKILL every child process started with multiprocessing (pool workers, Dask's workers)."""
    try:
        children = multiprocessing.active_children()
    except Exception:   # called from a signal handler: never fail there
        return
    for p in children:
        try:
            p.kill()
        except Exception:   # already gone
            pass
