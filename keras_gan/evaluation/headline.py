"""Headline figures of an evaluation: the metric a family is judged by, next to its baseline.

Every family evaluator (`keras_gan.evaluation.EVALUATORS`) returns, under the key
``"headline"``, a list of panels. A panel is one metric (one y axis of a learning
curve) and holds one or more series (e.g. one per SR benchmark set), each with the
model's value and the baseline's value on the same images:

```python
{"key": "psnr", "label": "PSNR (dB), Y, 4 px shaved", "baseline": "bicubic",
 "series": {"Set5": {"model": 28.9, "baseline": 28.4}, "Set14": {...}}}
```

A series named ``""`` stands for the only series of its panel (the GAN's samples).
"""

import re


def headline_panel(key, label, baseline, series):
    """Build one headline panel (see the module doc).

    Args:
        key: short identifier of the metric, used in CSV column names (`"psnr"`).
        label: axis label with the unit (`"hole PSNR (dB)"`).
        baseline: short name of the baseline method (`"bicubic"`, `"telea"`).
        series: dict series name -> `{"model": float, "baseline": float or None}`.

    Returns:
        The panel dict.

    Example:
    ```python
    headline_panel("psnr", "PSNR (dB)", "bicubic", {"Set5": {"model": 29.0, "baseline": 28.4}})
    ```
    """
    if not re.fullmatch(r"[A-Za-z0-9_]+", key) or not re.fullmatch(r"[A-Za-z0-9_]+", baseline):
        raise ValueError(
            "A headline key and baseline name are letters, digits and '_'. "
            f"Received: key={key!r}, baseline={baseline!r}"
        )
    return {
        "key": key,
        "label": label,
        "baseline": baseline,
        "series": {
            name: {
                "model": float(values["model"]),
                "baseline": None if values.get("baseline") is None else float(values["baseline"]),
            }
            for name, values in series.items()
        },
    }


def series_column(panel, name):
    """CSV column of a series' model value: `<series>_<key>`, or `<key>` for series `""`.

    Args:
        panel: a headline panel.
        name: a series name of that panel.

    Returns:
        The column name, e.g. `"Set5_psnr"`.
    """
    safe = re.sub(r"[^A-Za-z0-9_]+", "_", name).strip("_")
    return f"{safe}_{panel['key']}" if safe else panel["key"]


def headline_columns(headline):
    """Flatten headline panels into CSV columns: each series' model and baseline value.

    Args:
        headline: the list of panels of an evaluation (`results["headline"]`).

    Returns:
        dict column -> float (or `None` when a baseline is unknown), in panel and
        series order: `<series>_<key>` then `<series>_<key>_<baseline>`.

    Example:
    ```python
    headline_columns(results["headline"])
    # {"Set5_psnr": 29.0, "Set5_psnr_bicubic": 28.4, "Set14_psnr": ..., ...}
    ```
    """
    columns = {}
    for panel in headline:
        for name, values in panel["series"].items():
            column = series_column(panel, name)
            columns[column] = values["model"]
            columns[f"{column}_{panel['baseline']}"] = values["baseline"]
    return columns
