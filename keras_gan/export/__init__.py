"""Export generators for serving: SavedModel (TF Serving), TFLite and ONNX, verified.

Example:
```python
from keras_gan.export import export_generator
report = export_generator("runs/gan/generator.keras", name="gan")
```
"""

from keras_gan.export.exporter import FORMATS, QUANTIZATIONS, export_generator, parse_list
from keras_gan.export.lint import LintFinding, lint_generator
from keras_gan.export.signatures import GeneratorSpec, ServingModule, describe_generator
from keras_gan.export.verify import (
    DEFAULT_TOLERANCES,
    ExportVerificationError,
    format_table,
    verify_export,
    verify_report,
)

__all__ = [
    "DEFAULT_TOLERANCES",
    "FORMATS",
    "QUANTIZATIONS",
    "ExportVerificationError",
    "GeneratorSpec",
    "LintFinding",
    "ServingModule",
    "describe_generator",
    "export_generator",
    "format_table",
    "lint_generator",
    "parse_list",
    "verify_export",
    "verify_report",
]
