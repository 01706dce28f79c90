"""Grids of saddle points and simulation ensembles, in-process or on a Dask cluster.

``replica.sweep(function, grid, client=None)`` solves ``function`` at every point of the Cartesian
product of ``grid`` (``{name: values}``, the last name varying fastest, as on the command line) and
returns a :class:`GridSweep` -- the results in grid order, ``.to_frame()`` (pandas) and
``.to_xarray()`` (an ``xarray.Dataset`` with the parameters as coordinates)::

    import replica
    from replica.perceptron import franz_parisi

    def fp(alpha, d, start=None):
        return franz_parisi(alpha, d, "binary", start=start, strict=False)

    diagram = replica.sweep(fp, {"alpha": [0.3, 0.5, 0.7], "d": [0.3, 0.2, 0.1]}, workers=2)
    diagram.to_xarray()["phi"]             # (alpha, d) array of the local entropy

(``replica.sweep`` is this module, callable; the function is also ``replica.sweep.sweep``.)

The unit of work: continuation chains
-------------------------------------
When ``function`` takes a ``start`` argument it is warm-started along the *continuation axis*: the
last parameter with more than one numeric value (the rule of ``python -m replica.solve``; set it
with ``axis=``).  The grid is split along the other parameters into independent *chains*: runs of
consecutive points that differ only in the axis, each solved in order from its first point, every
point started from the last converged result of its chain.  A chain always runs whole in one
process (the last one from where the in-process part stopped, from the state reached), so every
point gets exactly the start it gets in a serial run and the rows are identical -- bitwise -- to
``client=None`` (for the Numba saddle-point solvers; code that calls BLAS, such as the scikit-learn
simulations, agrees to rounding: dask runs BLAS single-threaded in its workers).  A function
without ``start`` (a simulation: pass ``n_features``/``seed`` as grid parameters, e.g. with
:func:`per_seed`) has chains of one point: a simulation ensemble splits by (size, seed).  A task
sent to a worker holds one or more consecutive chains (enough for about
``MIN_TASK_SECONDS`` of work by the estimate below, and at most 1/``TASKS_PER_WORKER`` of a
worker's share, so every worker gets work).

Where it runs
-------------
``client=None`` (and no ``workers``): in this process, one point after the other.  Otherwise on
``dask.distributed``: ``client`` is a ``distributed.Client`` (kept open) or a scheduler address
(``"tcp://host:8786"``: connected, and closed at the end); ``workers=N`` starts a ``LocalCluster``
of N single-threaded worker processes on this machine when it is first needed and closes it at the
end.  Results come back as chains finish (a tqdm bar over points on stderr with ``progress=True``)
and are yielded in grid order.  In a script, call it under ``if __name__ == "__main__":``: dask
spawns the worker processes, which import the script's main module.

Small grids stay in-process.  The first points are always solved here; after each one, from the
second on, the remaining serial time is estimated as (mean time per point, leaving out the first,
which carries the Numba compilation) x (points left).  Only when that estimate exceeds
``serial_below`` (``SERIAL_BELOW`` = 1 s) plus the start-up of a cluster still to be started
(``LOCAL_CLUSTER_SECONDS`` = 3 s for ``workers=N``: processes, imports and the workers' first
compilation; 0 for a client or an address) -- and at least two chains are left -- do the remaining
chains go to the cluster.  A grid that would take about a second serially is therefore never
slower than serial, whatever ``workers`` says.

Faults
------
A worker process that dies (killed, out of memory, a segfault) loses only the task it was running:
the scheduler gives that task to another worker (dask reschedules the tasks of a lost worker; a
task that kills ``distributed.scheduler.allowed-failures`` = 3 workers is given up with
``KilledWorker``).  A task that raises is retried ``retries`` times (``submit(..., retries=)``) and
then raises here, after the remaining tasks are cancelled.  ``timeout`` (seconds, default none)
bounds each wait for the next task to finish (``TimeoutError``).  Ctrl-C cancels the tasks; the
``KeyboardInterrupt`` carries in ``.finished`` the ``(index, point, result)`` of the chains done but
not yet yielded.

Cluster recipes
---------------
On one machine: ``python -m replica.solve ... --workers 4`` or ``replica.sweep(f, grid, workers=4)``.

On several machines, start a scheduler and workers (``pip install 'replica-learning[dist]'`` everywhere,
same versions)::

    dask scheduler                                     # prints tcp://10.0.0.1:8786
    dask worker tcp://10.0.0.1:8786 --nworkers 16 --nthreads 1    # on each machine

then ``python -m replica.solve ... --scheduler tcp://10.0.0.1:8786`` (or ``export
REPLICA_SCHEDULER=tcp://10.0.0.1:8786``), or ``replica.sweep(f, grid, client="tcp://10.0.0.1:8786")``.
Use one thread per worker process: the solvers are single-threaded Numba code holding the GIL.

On a batch system (SLURM, PBS, SGE, LSF) with ``dask-jobqueue``::

    from dask_jobqueue import SLURMCluster             # or PBSCluster
    from distributed import Client
    cluster = SLURMCluster(cores=32, processes=32, memory="64GB", walltime="02:00:00",
                           job_extra_directives=["--account=myproject"])
    cluster.scale(jobs=4)                              # 4 nodes x 32 single-threaded workers
    diagram = replica.sweep(f, grid, client=Client(cluster))

or start that cluster in a Python session and pass ``cluster.scheduler_address`` to
``--scheduler``.  Set ``NUMBA_CACHE_DIR`` to a shared folder so that the workers compile once.
"""

import inspect
import itertools
import logging
import math
import numbers
import os
import sys
import time
import types
import uuid
from dataclasses import dataclass, is_dataclass

import numpy as np

from ._lazy import tqdm
from ._signals import sigint_ignored
from .saddle_point.contract import INVALID, MAX_ITER
from .saddle_point.fixed_point import ConvergenceError

__all__ = ["sweep", "iter_sweep", "imap", "per_seed", "GridSweep", "Failed", "Cluster", "run_chains", "plan",
           "continuation_axis", "cluster_from_args", "SERIAL_BELOW", "LOCAL_CLUSTER_SECONDS", "ENV_SCHEDULER"]

SERIAL_BELOW = 1.0            # s: estimated serial time below which a grid stays in-process
LOCAL_CLUSTER_SECONDS = 3.0   # s: start-up of a LocalCluster and of its workers' first imports/compilation
MIN_TASK_SECONDS = 0.05       # s: a task holds enough chains for this much work (dask's overhead is ~ms)
TASKS_PER_WORKER = 4          # ... but no more than a 1/4 of a worker's share of the points left
IN_FLIGHT = 8                 # tasks submitted ahead per worker thread (at least MIN_IN_FLIGHT in all)
MIN_IN_FLIGHT = 64
RETRIES = 2                   # a task that raises is retried this many times
CONNECT_TIMEOUT = "10s"       # connecting to a scheduler address
ENV_SCHEDULER = "REPLICA_SCHEDULER"


# ------------------------------------------------------------------------------------- the plan
def continuation_axis(grid, numeric=None):
    """Name of the last parameter with more than one value when its values are numeric, else None.

    ``numeric``: optional ``{name: bool}`` (the CLI knows each option's kind); by default a
    parameter is numeric when all its values are int/float (not bool).
    """
    swept = [name for name, values in grid.items() if len(values) > 1]
    if not swept:
        return None
    name = swept[-1]
    if numeric is not None and name in numeric:
        return name if numeric[name] else None
    return name if all(_is_number(v) for v in grid[name]) else None


def _is_number(v):
    return isinstance(v, numbers.Real) and not isinstance(v, (bool, np.bool_))


def plan(grid, axis):
    """The chains of the Cartesian product of ``grid`` in product order: ``[(first, stop), ...]``
    ranges of flat indices.  With ``axis=None`` every point is a chain; otherwise a chain is a run
    of consecutive points whose other parameters are equal (so a chain ends exactly where a serial
    sweep would restart from scratch)."""
    sizes = [len(v) for v in grid.values()]
    total = math.prod(sizes)
    if total == 0:
        return []
    if axis is None:
        return [(i, i + 1) for i in range(total)]
    names = list(grid)
    k = names.index(axis)
    block = math.prod(sizes[k:])  # the options after the axis have one value each
    before = [list(grid[n]) for n in names[:k]]
    chains, previous = [], None
    for b, key in enumerate(itertools.product(*before)):
        if chains and key == previous:
            chains[-1] = (chains[-1][0], (b + 1) * block)
        else:
            chains.append((b * block, (b + 1) * block))
        previous = key
    return chains


class _Points:
    """Point ``i`` (a dict) of the Cartesian product of a grid, in product order."""

    def __init__(self, grid):
        self.names = list(grid)
        self.values = [list(v) for v in grid.values()]
        self.sizes = [len(v) for v in self.values]
        self.total = math.prod(self.sizes)

    def __call__(self, i):
        out = [None] * len(self.sizes)
        for j in range(len(self.sizes) - 1, -1, -1):
            i, r = divmod(i, self.sizes[j])
            out[j] = self.values[j][r]
        return dict(zip(self.names, out))


# ---------------------------------------------------------------------------------- the cluster
class Cluster:
    """Where chains run: a ``distributed.Client`` (kept open), a scheduler address (connected on
    first use, closed by :meth:`close`), or ``workers`` local single-threaded worker processes (a
    ``LocalCluster`` started on first use, closed by :meth:`close`)."""

    def __init__(self, client=None, workers=None):
        if client is not None and workers is not None:
            raise ValueError("give either a client (or scheduler address) or a number of workers, not both")
        if workers is not None and int(workers) < 1:
            raise ValueError(f"workers must be >= 1; got {workers}")
        self.address = client if isinstance(client, str) else None
        self.workers = None if workers is None else int(workers)
        self._client = None if isinstance(client, str) else client
        self._owned = False
        self._local = None

    @property
    def started(self):
        return self._client is not None

    @property
    def startup_seconds(self):
        """Estimated cost of getting a client: a LocalCluster still to start, else 0."""
        return LOCAL_CLUSTER_SECONDS if self._client is None and self.workers is not None else 0.0

    def client(self):
        """The ``distributed.Client``, connecting or starting the LocalCluster on first use."""
        if self._client is None:
            from distributed import Client

            if self.address is not None:
                try:
                    self._client = Client(self.address, timeout=CONNECT_TIMEOUT)
                except (OSError, TimeoutError) as err:
                    raise ConnectionError(f"cannot connect to the dask scheduler at {self.address!r}: "
                                          f"{err}") from None
            else:
                from distributed import LocalCluster

                with sigint_ignored():  # the worker processes inherit it: Ctrl-C is handled here alone
                    self._local = LocalCluster(n_workers=self.workers, threads_per_worker=1, processes=True,
                                               dashboard_address=":0", silence_logs=logging.ERROR)
                try:
                    self._client = Client(self._local)
                except BaseException:
                    self._local.close()
                    self._local = None
                    raise
            self._owned = True
        return self._client

    def threads(self):
        """Worker threads on the cluster (at least 1)."""
        return max(1, sum(self.client().nthreads().values()))

    def close(self):
        """Close the client and the LocalCluster if this object opened them."""
        if self._owned:
            client, local = self._client, self._local
            self._client = self._local = None
            self._owned = False
            try:
                client.close()
            finally:
                if local is not None:
                    local.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        where = self.address or (f"{self.workers} local workers" if self.workers else repr(self._client))
        return f"Cluster({where})"




def cluster_from_args(args, environ=None):
    """The :class:`Cluster` of a command line (``--workers N``, ``--scheduler ADDRESS``, else the
    ``REPLICA_SCHEDULER`` environment variable), or None to run in-process.  ValueError when both
    options are given."""
    environ = os.environ if environ is None else environ
    workers, address = getattr(args, "workers", None), getattr(args, "scheduler", None)
    if workers is not None and address is not None:
        raise ValueError("--workers and --scheduler exclude each other: --workers N starts a local cluster, "
                         "--scheduler ADDRESS uses a running one")
    if workers is None and address is None:
        address = environ.get(ENV_SCHEDULER) or None
    if workers is None and address is None:
        return None
    from importlib.util import find_spec

    if find_spec("distributed") is None:
        raise ImportError("--workers and --scheduler need dask.distributed: pip install 'replica-learning[dist]'")
    return Cluster(address, workers)


# ------------------------------------------------------------------------------------ the engine
def run_chains(step, grid, axis=None, cluster=None, *, progress=False, desc=None, serial_below=None,
               retries=RETRIES, timeout=None, stats=None):
    """Yield ``(index, point, value)`` for every point of ``grid``, in product order.

    ``step(point, start) -> (value, carry)`` solves one point; ``start`` is the last non-None
    ``carry`` of the point's chain (None at the start of a chain).  ``cluster``: a :class:`Cluster`
    or None (in-process).  ``progress``: True/False, or None for tqdm's default (on a terminal).
    ``serial_below``: seconds (default :data:`SERIAL_BELOW`); see the module docstring.
    ``stats``: a dict that receives ``distributed``, the number of points solved on the cluster.
    """
    points = _Points(grid)
    chains = plan(grid, axis)
    serial_below = SERIAL_BELOW if serial_below is None else float(serial_below)
    bar = tqdm(total=points.total, desc=desc, file=sys.stderr,
               disable=(not progress) if progress is not None else None)
    try:
        spent, first, done = 0.0, None, 0
        for c, (lo, hi) in enumerate(chains):
            start = None
            for i in range(lo, hi):
                if cluster is not None and done >= 2 and len(chains) - c >= 2:
                    rate = (spent - first) / (done - 1)
                    if serial_below <= 0 or rate * (points.total - done) > serial_below + cluster.startup_seconds:
                        tasks = [[(i, hi, start)]] + [[(a, b, None)] for a, b in chains[c + 1:]]
                        if stats is not None:
                            stats["distributed"] = points.total - done
                        yield from _distributed(step, points, tasks, cluster, rate, bar, retries, timeout)
                        return
                t0 = time.perf_counter()
                point = points(i)
                value, carry = step(point, start)
                if carry is not None:
                    start = carry
                elapsed = time.perf_counter() - t0
                spent += elapsed
                first = elapsed if first is None else first
                done += 1
                bar.update()
                yield i, point, value
    finally:
        bar.close()


def _distributed(step, points, tasks, cluster, rate, bar, retries, timeout):
    """Run the remaining chains on the cluster; yield their points in order as they finish.

    Tasks are submitted in grid order (earlier ones first by priority), at most ``IN_FLIGHT`` per
    worker thread at a time, the next one as each finishes: the scheduler, this process and the
    buffer of finished chains waiting for an earlier one stay small whatever the size of the grid.
    """
    from distributed import wait

    client = cluster.client()
    threads = cluster.threads()
    tasks = _group(tasks, rate, threads)
    token = uuid.uuid4().hex[:12]
    futures, number = {}, {}  # task -> future, future key -> task
    finished, next_task, submitted = {}, 0, 0
    checked = time.monotonic()

    def submit():
        nonlocal submitted
        n = submitted
        items = [(lo, [points(i) for i in range(lo, hi)], start) for lo, hi, start in tasks[n]]
        future = client.submit(_run_task, step, items, key=f"replica-chains-{token}-{n}", pure=False,
                               retries=retries, priority=-n)
        futures[n], number[future.key] = future, n
        submitted += 1

    try:
        while submitted < min(len(tasks), max(MIN_IN_FLIGHT, IN_FLIGHT * threads)):
            submit()
        while futures:
            done, _ = wait(list(futures.values()), timeout=timeout, return_when="FIRST_COMPLETED")
            for future in sorted(done, key=lambda f: number[f.key]):
                n = number.pop(future.key)
                finished[n] = future.result()  # raises the task's error (after its retries)
                del futures[n]
                future.release()
                bar.update(sum(hi - lo for lo, hi, _ in tasks[n]))
            if time.monotonic() - checked > 1.0:  # the cluster may have grown (adaptive, job queues)
                threads, checked = cluster.threads(), time.monotonic()
            while submitted < len(tasks) and len(futures) < max(MIN_IN_FLIGHT, IN_FLIGHT * threads):
                submit()
            while next_task in finished:
                for (lo, hi, _), values in zip(tasks[next_task], finished.pop(next_task)):
                    for i, value in zip(range(lo, hi), values):
                        yield i, points(i), value
                next_task += 1
    except KeyboardInterrupt as stop:
        running = list(futures.values())
        client.cancel([f for f in running if f.status not in ("finished", "error")])
        for f in running:  # tasks done whose results were not collected yet
            if f.status == "finished":
                try:
                    finished[number[f.key]] = f.result(timeout=5)
                except Exception:
                    pass
        client.cancel(running)  # releases the results held on the workers
        stop.finished = [(i, points(i), value) for n in sorted(finished)
                         for (lo, hi, _), values in zip(tasks[n], finished[n])
                         for i, value in zip(range(lo, hi), values)]
        raise
    except BaseException:
        client.cancel(list(futures.values()))
        raise


def _group(tasks, rate, threads):
    """Merge consecutive one-chain tasks (after the first, which continues a chain) so that a task
    has at least MIN_TASK_SECONDS of work but at most a TASKS_PER_WORKER-th of a worker's share."""
    left = sum(hi - lo for task in tasks for lo, hi, _ in task)
    share = max(1, left // (TASKS_PER_WORKER * threads))
    target = max(1, min(math.ceil(MIN_TASK_SECONDS / max(rate, 1e-9)), share))
    out = tasks[:1]
    size = target  # never merge into the first task
    for task in tasks[1:]:
        n = sum(hi - lo for lo, hi, _ in task)
        if size < target:
            out[-1] = out[-1] + task
            size += n
        else:
            out.append(list(task))
            size = n
    return out


def _run_task(step, items):
    """On a worker: solve the chains ``[(first_index, points, start), ...]``; their values."""
    out = []
    for _, chain, start in items:
        values = []
        for point in chain:
            value, carry = step(point, start)
            if carry is not None:
                start = carry
            values.append(value)
        out.append(values)
    return out


# --------------------------------------------------------------------------------- the Python API
@dataclass(frozen=True)
class Failed:
    """The result of a point whose solver refused it or failed without a state (``errors="keep"``)."""

    error: str
    converged: bool = False
    status: str = INVALID


class _Call:
    """``step`` of the Python API: ``function(**point[, start=start])``; the carry is the result
    when it converged (or has no ``converged`` field)."""

    def __init__(self, function, warm, errors):
        self.function, self.warm, self.errors = function, warm, errors

    def __call__(self, point, start):
        kwargs = dict(point, start=start) if self.warm else dict(point)
        if self.errors == "raise":
            result = self.function(**kwargs)
        else:
            try:
                result = self.function(**kwargs)
            except ConvergenceError as err:
                state = err.state
                result = state if is_dataclass(state) else Failed(str(err), status=getattr(err, "status", MAX_ITER))
            except ValueError as err:
                result = Failed(str(err))
        carry = result if result is not None and not isinstance(result, Failed) and \
            bool(getattr(result, "converged", True)) else None
        return result, carry


def _takes_start(function):
    try:
        return "start" in inspect.signature(function).parameters
    except (TypeError, ValueError):
        return False


@dataclass(frozen=True)
class GridSweep:
    """The results of :func:`sweep`, in grid order (the Cartesian product, the last name fastest).

    grid : {name: tuple of values}
    results : tuple, one result per point
    axis : the continuation axis (None: every point solved from scratch)
    chains : number of independent chains
    distributed : number of points solved on the cluster (0: all in-process)
    """

    grid: dict
    results: tuple
    axis: str = None
    chains: int = 0
    distributed: int = 0

    def __len__(self):
        return len(self.results)

    def __iter__(self):
        """``(point, result)`` pairs in grid order."""
        return zip(self.points(), self.results)

    def points(self):
        points = _Points(self.grid)
        return [points(i) for i in range(points.total)]

    def rows(self):
        """One dict per point: the parameters, then the result's fields (``dataclasses.asdict``)."""
        from .saddle_point.frames import result_row

        return [result_row(r, p) for p, r in zip(self.points(), self.results)]

    def to_frame(self):
        """``pandas.DataFrame``, one row per point (parameters first, then the result's fields)."""
        from .saddle_point.frames import to_frame

        return to_frame(self.rows())

    def to_xarray(self):
        """``xarray.Dataset``: the parameters with more than one value as dimensions (coordinates in
        grid order), the others as scalar coordinates, every scalar result field a data variable."""
        from .saddle_point.frames import to_dataset

        return to_dataset(self.grid, self.rows(), attrs={"continuation_axis": self.axis or ""})


def iter_sweep(function, grid, client=None, *, workers=None, axis="auto", warm_start="auto", errors="raise",
               progress=False, serial_below=None, retries=RETRIES, timeout=None, stats=None):
    """Like :func:`sweep`, but yields ``(point, result)`` in grid order as they become available."""
    grid = {name: tuple(values) for name, values in grid.items()}
    warm = _takes_start(function) if warm_start == "auto" else bool(warm_start)
    if errors not in ("raise", "keep"):
        raise ValueError(f"errors must be 'raise' or 'keep'; got {errors!r}")
    if axis == "auto":
        axis = continuation_axis(grid) if warm else None
    elif axis is not None and axis not in grid:
        raise ValueError(f"axis {axis!r} is not a parameter of the grid ({', '.join(grid)})")
    if stats is not None:
        stats.update(axis=axis, chains=len(plan(grid, axis)))
    cluster = client if isinstance(client, Cluster) else (
        Cluster(client, workers) if client is not None or workers is not None else None)
    try:
        for _, point, value in run_chains(_Call(function, warm, errors), grid, axis, cluster, progress=progress,
                                          serial_below=serial_below, retries=retries, timeout=timeout,
                                          stats=stats):
            yield point, value
    finally:
        if cluster is not None and cluster is not client:
            cluster.close()


def sweep(function, grid, client=None, *, workers=None, axis="auto", warm_start="auto", errors="raise",
          progress=False, serial_below=None, retries=RETRIES, timeout=None):
    """Solve ``function`` at every point of the Cartesian product of ``grid``; a :class:`GridSweep`.

    Parameters
    ----------
    function : callable ``function(**point, start=previous_result)`` (or without ``start``)
        Returns a result (a frozen dataclass for the solvers of this package).  Sent to the workers
        with cloudpickle: a module-level function, a ``functools.partial`` or a lambda.
    grid : {name: sequence of values}
        The last name varies fastest.
    client : None, ``distributed.Client`` or scheduler address
        None runs in this process (unless ``workers``).  See the module docstring.
    workers : int, optional
        Start a ``LocalCluster`` of this many single-threaded worker processes (when the grid is
        large enough to need it) and close it at the end.
    axis : "auto", a parameter name, or None
        The continuation axis ("auto": the last parameter with more than one numeric value).
    warm_start : "auto" or bool
        Pass ``start``; "auto": when ``function`` has a ``start`` parameter.
    errors : "raise" or "keep"
        "keep": a ``ValueError`` (a refused point) or a ``ConvergenceError`` without a state gives a
        :class:`Failed` result (``converged=False``, ``status``, ``error``) and the sweep goes on;
        a ``ConvergenceError`` with a state gives that state.
    progress : bool or None
        tqdm bar over points on stderr (None: on a terminal).
    serial_below : float
        Seconds of estimated serial work below which the grid stays in-process (default
        :data:`SERIAL_BELOW`; 0 sends every chain after the second point to the cluster).
    retries : int
        Retries of a task that raises (worker deaths are rescheduled by dask regardless).
    timeout : float, optional
        Seconds to wait for the next task to finish before ``TimeoutError``.
    """
    stats = {}
    cluster = client if isinstance(client, Cluster) else (
        Cluster(client, workers) if client is not None or workers is not None else None)
    try:
        pairs = list(iter_sweep(function, grid, cluster, axis=axis, warm_start=warm_start, errors=errors,
                                progress=progress, serial_below=serial_below, retries=retries, timeout=timeout,
                                stats=stats))
    finally:
        if cluster is not None and cluster is not client:
            cluster.close()
    return GridSweep(grid={k: tuple(v) for k, v in grid.items()}, results=tuple(r for _, r in pairs),
                     axis=stats.get("axis"), chains=stats.get("chains", 0), distributed=stats.get("distributed", 0))


def imap(function, items, client=None, *, workers=None, progress=False, desc=None, serial_below=None,
         retries=RETRIES, timeout=None):
    """``function(item)`` for each item (independent runs, e.g. one per seed), in order, in-process or
    on the cluster under the same rules as :func:`sweep`; a generator."""
    cluster = client if isinstance(client, Cluster) else (
        Cluster(client, workers) if client is not None or workers is not None else None)
    try:
        for _, _, value in run_chains(_Apply(function), {"item": list(items)}, None, cluster, progress=progress,
                                      desc=desc, serial_below=serial_below, retries=retries, timeout=timeout):
            yield value
    finally:
        if cluster is not None and cluster is not client:
            cluster.close()


class _Apply:
    def __init__(self, function):
        self.function = function

    def __call__(self, point, start):
        return self.function(point["item"]), None


def per_seed(simulate, seeds="seeds"):
    """``simulate(..., seeds=[seed])`` as a function of one ``seed``, for a grid over seeds (and
    sizes), so that an ensemble splits into one task per (size, seed)::

        from replica.gaussian_mixture.simulate import simulate_erm
        runs = replica.sweep(replica.sweep.per_seed(simulate_erm),
                             {"loss": ["logistic"], "alpha": [2.0], "delta": [1.0], "lam": [0.1],
                              "n_features": [200, 400], "seed": range(20)}, workers=2)
        runs.to_xarray()["gen_error"].mean("seed")
    """
    return _PerSeed(simulate, seeds)


class _PerSeed:
    def __init__(self, simulate, keyword):
        self.simulate, self.keyword = simulate, keyword

    def __call__(self, seed, **kwargs):
        return self.simulate(**kwargs, **{self.keyword: (int(seed),)})


# ``replica.sweep(...)``: the module is callable (the package exports the module lazily, and once it
# is imported the package attribute ``replica.sweep`` is the module itself).
class _CallableModule(types.ModuleType):
    def __call__(self, *args, **kwargs):
        return sweep(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
