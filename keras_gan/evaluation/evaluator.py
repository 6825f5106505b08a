"""What a family's evaluation is: the `Evaluator` interface and the flags families share.

A family's evaluation lives in `keras_gan/evaluation/<family>.py`: the function that
measures a generator (`evaluate_<family>`), the one that formats its figures as text, and
an `Evaluator` subclass that ties them to the command line, registered by name in
`keras_gan.evaluation.EVALUATORS`. `evaluate.py` defines every family's `options` as
flags, then runs `get_evaluator(--model)`:

```python
evaluator = evaluation.get_evaluator("srgan")
results = evaluator(generator, **evaluator.arguments(FLAGS))
print(evaluator.report(results))
```
"""

import dataclasses
import os


@dataclasses.dataclass(frozen=True)
class Option:
    """A flag of `evaluate.py`: `absl.flags.DEFINE_<kind>(**option.define_arguments)`.

    Args:
        kind: `"string"`, `"integer"` or `"enum"`.
        name: the flag's name, without `--`.
        default: its default.
        help: its help text.
        enum_values: the allowed values of an `"enum"`.
    """

    kind: str
    name: str
    default: object
    help: str
    enum_values: tuple = ()

    @property
    def define_arguments(self):
        """Keyword arguments of `absl.flags.DEFINE_<kind>`."""
        arguments = {"name": self.name, "default": self.default, "help": self.help}
        if self.kind == "enum":
            arguments["enum_values"] = list(self.enum_values)
        return arguments


class OptionError(ValueError):
    """A flag an evaluation needs is not set (`evaluate.py` prints it as a usage error)."""


# Flags several families read (one definition each; the help names the families).
REAL_DATA = Option(
    "string",
    "real_data",
    None,
    "Real images for FID/KID: any dataset spec (folder:DIR, builtin:NAME, tfds:NAME[:split]).",
)
NUM_REAL = Option("integer", "num_real", 10000, "Maximum number of real images used.")
BATCH_SIZE = Option("integer", "batch_size", 256, "Batch size of generation and classification.")
IMAGE_SIZE = Option(
    "integer",
    "eval_image_size",
    64,
    "Image size of the evaluation (inpainting: divisible by 8; cyclegan).",
)
SAMPLE_GRID = Option(
    "string",
    "sample_grid",
    None,
    "Write a PNG grid of examples (inpainting, srgan, cyclegan; see the module doc).",
)


def set_name(spec):
    """Display name of an image set spec: the folder's name (`folder:/data/sr/Set5` -> `Set5`)."""
    return os.path.basename(spec.split(":", 1)[-1].rstrip("/")) or spec


def _flag_text(value):
    return ",".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)


class Evaluator:
    """A family's evaluation: its flags, its evaluator function and its text report.

    A subclass sets the class attributes and `evaluate` / `report`; `evaluate.py`
    and `scripts/learning_curve.py` use nothing else of the family.

    Attributes:
        name: the `--model` name.
        usage: the family's paragraph of `evaluate.py --help`.
        options: the `Option`s (flags of `evaluate.py`) the family reads, besides
            `--seed` (`evaluate.py`'s own).
        keywords: `evaluate` keyword -> the flag that gives it.
        required: flag -> a hint for the usage error when it is empty (`""`: none).
    """

    name = ""
    usage = ""
    options = ()
    keywords = {}
    required = {}

    def evaluate(self, generator, **kwargs):
        """Measure `generator`; return a JSON-serialisable dict with a `"headline"` entry."""
        raise NotImplementedError

    def report(self, results):
        """The text `evaluate.py` prints for `evaluate`'s `results` (may be empty)."""
        raise NotImplementedError

    def __call__(self, generator, **kwargs):
        return self.evaluate(generator, **kwargs)

    def arguments(self, options):
        """The keyword arguments of `evaluate` from `evaluate.py`'s flags.

        Args:
            options: an object with the flags as attributes (`absl.flags.FLAGS`, or a
                `types.SimpleNamespace`).

        Returns:
            dict keyword -> value.

        Raises:
            OptionError: when a `required` flag is empty.
        """
        for flag, hint in self.required.items():
            if not getattr(options, flag):
                raise OptionError(
                    f"--model={self.name} needs --{flag}{f' ({hint})' if hint else ''}."
                )
        return {keyword: getattr(options, flag) for keyword, flag in self.keywords.items()}

    def command_line(self, call):
        """The `evaluate.py` flags that give the keyword arguments `call` (`None` values left out).

        Args:
            call: keyword arguments of `evaluate` whose values are flag values.

        Returns:
            A list of `--flag=value` strings, in `call`'s order.
        """
        return [
            f"--{self.keywords[key]}={_flag_text(value)}"
            for key, value in call.items()
            if value is not None
        ]

    def prepare(self, generator, call):
        """`call` with what repeated evaluations can share loaded once (default: unchanged).

        Args:
            generator: the generator to be evaluated (its shapes).
            call: keyword arguments of `evaluate`.

        Returns:
            The keyword arguments to use for every evaluation.
        """
        return dict(call)

    def curve_arguments(self, options, scale):
        """The keyword arguments of the evaluations of one learning-curve checkpoint.

        Args:
            options: an object with `scripts/learning_curve.py`'s evaluation flags as
                attributes (see its `evaluation_calls`).
            scale: the run's upscaling factor (SR).

        Returns:
            A list of keyword-argument dicts of `evaluate`.
        """
        raise ValueError(
            f"{self.name} has no learning-curve evaluation. Received: model={self.name!r}"
        )
