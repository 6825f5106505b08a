"""Console-script entry points: `keras-gan-train`, `-export`, `-predict`, `-evaluate`.

`keras-gan-export` and `keras-gan-predict` run `keras_gan.export.cli` and
`keras_gan.predict.cli`. `keras-gan-train` and `keras-gan-evaluate` run the repository's
`train.py` and `evaluate.py`: from the source tree (editable install), or from the copies
the wheel installs under `<prefix>/share/keras_gan/scripts/`.
"""

import importlib.util
import os
import sys

SCRIPTS_DIR = os.path.join("share", "keras_gan", "scripts")


def script_path(name):
    """Path of the root script `name` (e.g. `"train.py"`): source tree first, then the wheel's.

    Args:
        name: the script's file name.

    Returns:
        The path.

    Raises:
        FileNotFoundError: when neither copy exists.

    Example:
    ```python
    script_path("train.py")
    ```
    """
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    in_repo = os.path.isfile(os.path.join(root, "pyproject.toml"))  # a source checkout
    candidates = [os.path.join(root, name)] * in_repo + [
        os.path.join(prefix, SCRIPTS_DIR, name)
        for prefix in dict.fromkeys((sys.prefix, sys.base_prefix))
    ]
    for path in candidates:
        if os.path.isfile(path):
            return path
    raise FileNotFoundError(f"{name} is not installed. Received: searched={candidates}")


def _load(name):
    path = script_path(name)
    spec = importlib.util.spec_from_file_location(f"keras_gan_script_{name[:-3]}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def train():
    """`keras-gan-train`: `python train.py` with the same flags."""
    from absl import app

    module = _load("train.py")
    module.define_flags()
    sys.argv[0] = "keras-gan-train"
    app.run(module.main)


def evaluate():
    """`keras-gan-evaluate`: `python evaluate.py` with the same flags."""
    from absl import app

    module = _load("evaluate.py")
    sys.argv[0] = "keras-gan-evaluate"
    app.run(module.main)


def export():
    """`keras-gan-export`: `python export.py` with the same flags."""
    from keras_gan.export.cli import run

    run()


def predict():
    """`keras-gan-predict`: `python predict.py` with the same flags."""
    from keras_gan.predict.cli import run

    run()
