"""How a run is told to stop (`dsl.cli.interrupts.RunControl`), in this process, with real signals.

The first SIGINT, SIGTERM or SIGHUP raises `Interrupted` (exit code 128 + its number), held
while a record is written; a second one kills the worker processes and arms a short grace
period; a third ends the process at once (see tests/cli/test_signals.py for that, in a child).
"""
from __future__ import annotations

import multiprocessing
import signal
import time

import pytest

from dsl.cli.interrupts import Interrupted, RunControl, kill_worker_processes


def test_the_first_signal_interrupts_with_its_exit_code():
    with RunControl() as ctl, pytest.raises(Interrupted) as e:
        signal.raise_signal(signal.SIGTERM)
    assert (e.value.signum, e.value.exit_code, e.value.name) == (signal.SIGTERM, 143, "SIGTERM")
    assert isinstance(e.value, KeyboardInterrupt) and ctl.count == 1
    assert Interrupted(signal.SIGINT).exit_code == 130 and Interrupted(signal.SIGHUP).exit_code == 129


def test_a_signal_waits_until_the_record_is_written():
    written = []
    with RunControl() as ctl, pytest.raises(Interrupted):
        with ctl.writing():
            signal.raise_signal(signal.SIGINT)
            written.append("whole record")        # not cut short
        written.append("never")                   # raised when the block ends
    assert written == ["whole record"]


def test_a_held_signal_is_raised_by_check_until_the_command_stops():
    with RunControl() as ctl:
        with ctl.holding():
            signal.raise_signal(signal.SIGINT)
        with pytest.raises(Interrupted):
            ctl.check()
        with pytest.raises(Interrupted):
            ctl.check()                           # again: it might have been swallowed on its way
        ctl.stop()                                # the command caught it and is stopping
        ctl.check()


class _Swallower:
    def __del__(self):
        signal.raise_signal(signal.SIGINT)        # the handler's exception is lost in here


def test_a_signal_swallowed_by_a_finalizer_still_stops_the_run_at_the_next_check():
    with RunControl() as ctl:
        _Swallower()                              # "Exception ignored in: ... __del__"
        assert ctl.signum == signal.SIGINT
        with pytest.raises(Interrupted):
            ctl.check()


def test_further_signals_while_stopping_do_not_raise_again(monkeypatch):
    armed = []
    monkeypatch.setattr(RunControl, "abandon", lambda self: armed.append("abandon"))
    with RunControl(grace=0.05) as ctl:
        with pytest.raises(Interrupted):
            signal.raise_signal(signal.SIGINT)
        ctl.stop()
        signal.raise_signal(signal.SIGINT)        # second: workers killed, grace armed, no exception
        assert ctl.count == 2 and ctl._timer is not None
        deadline = time.monotonic() + 5
        while not armed and time.monotonic() < deadline:
            time.sleep(0.01)
        assert armed == ["abandon"]               # the grace ran out
        signal.raise_signal(signal.SIGTERM)       # third: at once
        assert armed == ["abandon", "abandon"] and ctl.signum == signal.SIGINT


def test_a_signal_after_the_work_is_complete_lets_it_end_as_it_is():
    with RunControl() as ctl:
        ctl.complete()
        signal.raise_signal(signal.SIGINT)        # nothing raised
        ctl.check()
    assert ctl.signum == signal.SIGINT


def test_handlers_are_restored_after_a_run_that_was_not_stopped():
    before = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    with RunControl():
        assert signal.getsignal(signal.SIGTERM) != before[signal.SIGTERM]
    assert {s: signal.getsignal(s) for s in before} == before


def test_a_signal_the_caller_ignores_stays_ignored():
    old = signal.signal(signal.SIGHUP, signal.SIG_IGN)   # as under `nohup`
    try:
        with RunControl():
            assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
            signal.raise_signal(signal.SIGHUP)            # nothing happens
    finally:
        signal.signal(signal.SIGHUP, old)


def _sleep() -> None:
    time.sleep(60)


@pytest.mark.slow
def test_kill_worker_processes_kills_the_children_started_with_multiprocessing():
    p = multiprocessing.get_context("spawn").Process(target=_sleep, daemon=True)
    p.start()
    kill_worker_processes()
    p.join(10)
    assert p.exitcode == -signal.SIGKILL
