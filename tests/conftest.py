"""Suite-wide fixtures and ordering, for serial runs and pytest-xdist (`pytest -n 2`).

- Every test starts from the same random state, whatever ran before it in its process:
  under xdist the tests a worker runs before it (and so the state Python's, NumPy's
  and TensorFlow's global generators are left in: Keras draws unseeded initialisers
  from them) change from run to run.
- `build_once`: an expensive shared fixture (the exports test_predict.py and
  test_export.py read) is built once per test session, not once per worker nor once
  each time a worker comes back to the module (xdist interleaves modules, which
  tears module-scoped fixtures down and sets them up again).
- Under xdist, the `slow` tests (subprocess runs of up to a minute or more) are
  spread over the first half of the order, so the run does not end with one worker
  busy on a long test while the other has nothing left to do. Spread, not all at
  the front: `--dist load` (the default) hands each worker a block of consecutive
  tests first (about an eighth of the suite each with 2 workers), and one block
  must not take every slow test; `--dist worksteal` hands out halves and then lets
  the idle worker take the unstarted tail of the other's, which stays short tests.
  A serial run keeps the file order.
"""

import fcntl
import os
import pickle
import shutil
import zlib

import keras
import pytest


@pytest.fixture(autouse=True)
def _seeded(request):
    """Seed Python, NumPy and TensorFlow from the test's file and name before each test."""
    path, _, name = request.node.location
    keras.utils.set_random_seed(zlib.crc32(f"{path}::{name}".encode()) % 2**31)


@pytest.fixture(scope="session")
def build_once(tmp_path_factory):
    """`build_once(name, build)`: `build(folder)`'s result, `build` called once per session.

    `build` writes into the empty `folder` it is given and returns a picklable result
    (paths, reports). Serial runs: a fresh temporary folder. Under pytest-xdist the
    folder is shared by the workers (inside this run's base temporary folder): the
    first worker to ask builds under a file lock, the others wait for it and get the
    pickled result. A build that raised is attempted again by the next worker.
    """

    def run(name, build):
        if not os.environ.get("PYTEST_XDIST_WORKER"):
            return build(tmp_path_factory.mktemp(name))
        root = tmp_path_factory.getbasetemp().parent  # pytest-N/, the workers' popen-gwK/ parent
        folder, result_path = root / f"shared_{name}", root / f"shared_{name}.pickle"
        with open(root / f"shared_{name}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file is closed
            if result_path.exists():
                return pickle.loads(result_path.read_bytes())
            shutil.rmtree(folder, ignore_errors=True)  # what a failed build left
            folder.mkdir()
            result = build(folder)
            result_path.with_suffix(".tmp").write_bytes(pickle.dumps(result))
            os.replace(result_path.with_suffix(".tmp"), result_path)
            return result

    return run


def pytest_collection_modifyitems(config, items):
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return
    # Every worker collects and orders alike (xdist checks): slow test k goes before fast
    # test k * step, so the slow tests are evenly spaced over the first half of the run.
    slow = [item for item in items if item.get_closest_marker("slow")]
    fast = [item for item in items if not item.get_closest_marker("slow")]
    step = len(fast) / 2 / max(len(slow), 1)
    order = []
    for k, item in enumerate(slow):
        order += fast[len(order) - k : int(k * step)]
        order.append(item)
    items[:] = order + fast[len(order) - len(slow) :]
