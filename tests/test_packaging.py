"""Packaging: pyproject.toml declares every package keras_gan imports; optional ones are lazy."""

import ast
import importlib.metadata
import os
import re
import subprocess
import sys

import pytest

from keras_gan.optional import OPTIONAL, require

tomllib = pytest.importorskip("tomllib")  # Python >= 3.11
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STDLIB = set(sys.stdlib_module_names)


def _pyproject():
    with open(os.path.join(REPO, "pyproject.toml"), "rb") as f:
        return tomllib.load(f)["project"]


def _names(requirements):
    return {
        re.split(r"[<>=!\[; ]", r, maxsplit=1)[0].lower().replace("_", "-") for r in requirements
    }


def _imported_modules():
    """Top-level modules imported anywhere in keras_gan/ (module level or lazily)."""
    modules = set()
    for root, _, files in os.walk(os.path.join(REPO, "keras_gan")):
        for name in files:
            if name.endswith(".py"):
                with open(os.path.join(root, name)) as f:
                    tree = ast.parse(f.read())
                for node in ast.walk(tree):
                    if isinstance(node, ast.Import):
                        modules.update(a.name.split(".")[0] for a in node.names)
                    elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                        modules.add(node.module.split(".")[0])
                    elif (
                        isinstance(node, ast.Call)
                        and getattr(node.func, "id", None) == "require"
                        and node.args
                        and isinstance(node.args[0], ast.Constant)
                    ):
                        modules.add(node.args[0].value.split(".")[0])
    return modules - STDLIB - {"keras_gan", "benchmarks"}


def test_every_imported_package_is_declared():
    project = _pyproject()
    core = _names(project["dependencies"])
    extras = {k: _names(v) for k, v in project["optional-dependencies"].items()}
    declared = core.union(*extras.values())
    distributions = importlib.metadata.packages_distributions()
    missing = {}
    for module in _imported_modules():
        names = {d.lower().replace("_", "-") for d in distributions.get(module, [module])}
        if not names & declared:
            missing[module] = sorted(names)
    assert not missing, f"imported but not in pyproject.toml: {missing}"
    # optional modules are not core, and the extra named in their message has them
    for module, (package, extra) in OPTIONAL.items():
        if extra:
            assert package in extras[extra] and package not in core, module
    assert {"export", "data", "bench"} <= set(extras)


def test_console_scripts_point_at_functions():
    scripts = _pyproject()["scripts"]
    assert set(scripts) == {
        "keras-gan-train",
        "keras-gan-export",
        "keras-gan-predict",
        "keras-gan-evaluate",
    }
    import importlib

    for target in scripts.values():
        module, function = target.split(":")
        assert callable(getattr(importlib.import_module(module), function))
    from keras_gan.cli import script_path

    assert script_path("train.py") == os.path.join(REPO, "train.py")


def test_optional_packages_are_imported_lazily():
    # Keras itself imports cv2 and sklearn when they are installed: only count the rest.
    code = (
        "import sys, keras, tensorflow; before = set(sys.modules); "
        "import keras_gan, keras_gan.export, keras_gan.predict, keras_gan.cli; "
        f"print(sorted(m for m in {sorted(OPTIONAL)!r} if m in set(sys.modules) - before))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2"),
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_missing_optional_package_is_one_line_naming_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "tf2onnx", None)  # as if not installed
    with pytest.raises(ImportError) as info:
        require("tf2onnx", "ONNX export")
    message = str(info.value)
    assert "\n" not in message and "pip install 'keras_gan[export]'" in message
