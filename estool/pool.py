"""Who evaluates candidates: the ``Evaluator`` protocol, a local pool and an MPI pool.

A worker receives ALL of its candidates x episodes at once and answers with one call to
``Evaluator.evaluate``, so an environment can vectorise (the dream steps every rollout together).
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any, NoReturn, Protocol

import numpy as np

from estool.files import UsageError
from estool.mpi import poll_recv, tell_launcher

logger = logging.getLogger(__name__)

TAG_TASK = 1
TAG_RESULT = 2

FIRST_ANSWER_TIMEOUT = 3600.0
"""Seconds the coordinator waits for a worker's first answer with an automatic --worker_timeout
(nothing measured yet; it includes building the evaluator), and the least it ever waits: generous,
as a generation of the original's sizes takes about half an hour on 2 cores (64 x 16 CarRacing
episodes: 8 x the 209.4 s README.md measured for 64 x 2 on FastCarRacing; Doom's real game: up to
2,100 steps an episode at ~1,000 agent steps/s, benchmarks/README.md)."""

TIMEOUT_FACTOR = 10.0
"""Automatic --worker_timeout after the first answer: this many times the longest request so far
(never below FIRST_ANSWER_TIMEOUT). Episodes lengthen as C learns (Doom: from ~200 steps to the
2,100-step cap), so one generation can take several times the last one's time."""


class Evaluator(Protocol):
    """What an environment provides to the ES driver (one instance per worker process)."""

    def evaluate(
        self, params: np.ndarray, seeds: np.ndarray, max_len: int, train_mode: bool
    ) -> tuple[np.ndarray, np.ndarray]:
        """Run ``seeds.shape[1]`` episodes for each of the ``params.shape[0]`` candidates.

        params: [n, P] float64; seeds: [n, E] int64 (episode j of candidate i uses seeds[i, j]);
        max_len: step cap per episode, 0 = none; train_mode: False for evaluations of the mean.
        Returns (rewards [n, E] float, steps [n, E] int): total reward and length of each episode.
        """
        ...


MakeEvaluator = Callable[[], Evaluator]


def check_output(rewards: Any, steps: Any, n: int, episodes: int, who: str,
                 rows: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Validate an evaluator's answer: shapes [n, E] and finite rewards; else a clear error.

    ``rows``: the population index of each of the n rows (named in the error message).
    """
    rewards = np.asarray(rewards, dtype=np.float64)
    steps = np.asarray(steps)
    if rewards.shape != (n, episodes) or steps.shape != (n, episodes):
        raise UsageError(
            f"{who}: evaluate() returned rewards {rewards.shape} and steps {steps.shape}, expected ({n}, {episodes})"
        )
    bad = np.argwhere(~np.isfinite(rewards))
    if len(bad):
        i, j = bad[0]
        cand = i if rows is None else int(rows[i])
        raise UsageError(
            f"{who}: evaluate() returned reward {rewards[i, j]} for candidate {cand}, episode {j} "
            f"({len(bad)} non-finite rewards in all)"
        )
    return rewards, steps.astype(np.int64)


class LocalPool:
    """Evaluate in this process with one lazily built evaluator (single-process mode)."""

    num_workers = 1

    def __init__(self, make_evaluator: MakeEvaluator):
        self._make_evaluator = make_evaluator
        self._evaluator: Evaluator | None = None

    def evaluate(self, params: np.ndarray, seeds: np.ndarray, max_len: int, train_mode: bool):
        if self._evaluator is None:
            self._evaluator = self._make_evaluator()
        rewards, steps = self._evaluator.evaluate(params, seeds, max_len, train_mode)
        return check_output(rewards, steps, len(params), seeds.shape[1], "evaluator")

    def close(self) -> None:
        self._evaluator = None


def _whereabouts() -> tuple[str, int]:
    """(host, pid) of this process, as the coordinator names a worker."""
    return socket.gethostname(), os.getpid()


class MPIPool:
    """Rank 0's view of ranks 1..size-1: split the rows, send, collect; a failed worker aborts, and
    so does one that has not answered in ``timeout`` seconds (0: automatic, see
    ``TIMEOUT_FACTOR``). ``resume_hint()`` ends the error line: what is saved and how to resume."""

    def __init__(self, comm: Any, timeout: float = 0.0, resume_hint: Callable[[], str] | None = None):
        from mpi4py import MPI

        self.comm = comm
        self.num_workers = comm.Get_size() - 1
        assert self.num_workers >= 1, comm.Get_size()
        self._any_source = MPI.ANY_SOURCE
        self.timeout = timeout
        self.resume_hint = resume_hint
        self.longest = 0.0
        """Seconds of the longest request so far (until its last answer)."""
        self.whereabouts: list[tuple[str, int]] = comm.gather(_whereabouts(), root=0)  # worker_loop's gather

    def current_timeout(self) -> float:
        """Seconds to wait for every answer to the next request (``--worker_timeout``)."""
        if self.timeout > 0:
            return self.timeout
        return max(FIRST_ANSWER_TIMEOUT, TIMEOUT_FACTOR * self.longest)

    def worker_name(self, rank: int) -> str:
        host, pid = self.whereabouts[rank]
        return f"worker rank {rank} (pid {pid} on {host})"

    def evaluate(self, params: np.ndarray, seeds: np.ndarray, max_len: int, train_mode: bool):
        n, episodes = seeds.shape
        assert params.shape[0] == n, (params.shape, seeds.shape)
        pending: dict[int, np.ndarray] = {}
        # np.array_split: the population need not be a multiple of the number of workers
        for worker, idx in enumerate(np.array_split(np.arange(n), self.num_workers), start=1):
            if len(idx):
                task = ("eval", params[idx], seeds[idx], int(max_len), bool(train_mode))
                self.comm.send(task, dest=worker, tag=TAG_TASK)
                pending[worker] = idx
        answers: dict[int, tuple[Any, Any]] = {}
        start, timeout = time.monotonic(), self.current_timeout()
        while len(answers) < len(pending):
            got = poll_recv(self.comm, self._any_source, TAG_RESULT, deadline=start + timeout)
            if got is None:
                silent = [self.worker_name(rank) for rank in pending if rank not in answers]
                how = "automatic" if self.timeout <= 0 else "given"
                self.abort(f"{' and '.join(silent)} {'has' if len(silent) == 1 else 'have'} not answered in "
                           f"{timeout:g} s (--worker_timeout, {how}): stalled, or much slower than before")
            msg, src = got
            if msg[0] == "error":
                self.abort(f"worker rank {src} failed: {msg[1]}")
            answers[src] = (msg[1], msg[2])
        self.longest = max(self.longest, time.monotonic() - start)
        # validated only once every worker has answered, so an error here leaves nobody sending
        rewards = np.empty((n, episodes))
        steps = np.empty((n, episodes), dtype=np.int64)
        for worker, idx in pending.items():
            rewards[idx], steps[idx] = check_output(*answers[worker], len(idx), episodes, f"worker rank {worker}", idx)
        return rewards, steps

    def abort(self, line: str) -> NoReturn:
        hint = f"; {self.resume_hint()}" if self.resume_hint is not None else ""
        logger.error("%s; aborting the MPI job%s", line, hint)
        tell_launcher("abort")  # this line says it all: the launcher adds none
        time.sleep(0.5)  # let mpiexec forward that line before MPI_Abort tears the job down
        self.comm.Abort(1)
        os._exit(1)  # MPICH's MPI_Abort can return before the launcher kills this process

    def close(self) -> None:
        for worker in range(1, self.num_workers + 1):
            self.comm.send(("stop",), dest=worker, tag=TAG_TASK)


def worker_loop(comm: Any, make_evaluator: MakeEvaluator) -> None:
    """Ranks >= 1: build the evaluator on the first task, answer tasks until told to stop.

    An exception is sent to rank 0 as text (rank 0 prints it and aborts the job); the traceback
    goes to this worker's stderr.
    """
    evaluator: Evaluator | None = None
    comm.gather(_whereabouts(), root=0)  # MPIPool's roster, for its error lines
    try:
        while True:
            got = poll_recv(comm, 0, TAG_TASK)
            assert got is not None  # no deadline
            msg, _ = got
            if msg[0] == "stop":
                return
            _, params, seeds, max_len, train_mode = msg
            try:
                if evaluator is None:
                    evaluator = make_evaluator()
                rewards, steps = evaluator.evaluate(params, seeds, max_len, train_mode)
                reply: tuple = ("ok", np.asarray(rewards, dtype=np.float64), np.asarray(steps))
            except Exception as err:  # noqa: BLE001 - any failure must reach rank 0
                traceback.print_exc(file=sys.stderr)
                sys.stderr.flush()
                reply = ("error", f"{type(err).__name__}: {err}")
            comm.send(reply, dest=0, tag=TAG_RESULT)
    except KeyboardInterrupt:  # Ctrl-C reaches every rank; rank 0 says what happened
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # mpiexec forwards it again: exit quietly
        return
