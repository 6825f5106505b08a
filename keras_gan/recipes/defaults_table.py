"""The defaults of a family's recipes as a Markdown table (the docs pages show it)."""

from keras_gan.recipes import get_recipe

DERIVED = "derived"
"""Shown for a default computed from other settings (`Recipe.derive`)."""


def defaults_table(model, dataset="folder:DATA"):
    """A Markdown table of `--recipe=default` and `--recipe=paper` values for `model`.

    The rows are every `TrainConfig` field that either recipe sets for `dataset`,
    read from the recipe itself, so the table in `docs/<family>.md` is what the
    code resolves (a test compares them).

    Args:
        model: the family (`--model`).
        dataset: the dataset spec the defaults are shown for (CycleGAN's paper
            recipe differs between `builtin:` and other data).

    Returns:
        The table as a string (no trailing newline).

    Example:
    ```python
    print(defaults_table("srgan"))
    ```
    """
    from keras_gan.training import TrainConfig

    recipe = get_recipe(model)
    tables = {
        name: recipe.default_table(TrainConfig(model=model, recipe=name, dataset=dataset))
        for name in recipe.recipes
    }
    fields = [f for f in tables["default"] if f != "dataset"]
    fields += [f for f in tables["paper"] if f not in fields and f != "dataset"]

    def show(table, field):
        value = table.get(field, DERIVED)
        return DERIVED if value is None else f"`{value}`"

    lines = ["| flag | `--recipe=default` | `--recipe=paper` |", "|---|---|---|"]
    if recipe.networks:
        lines.append(
            "| generator | "
            + " | ".join(recipe.networks.get(name, "") for name in recipe.recipes)
            + " |"
        )
    lines += [
        f"| `--{f}` | {show(tables['default'], f)} | {show(tables['paper'], f)} |" for f in fields
    ]
    return "\n".join(lines)
