"""Writes each family's defaults table into its docs page (or checks that it is current).

Every family page has a block

    <!-- defaults:FAMILY -->
    ...
    <!-- /defaults:FAMILY -->

whose content is replaced by `keras_gan.recipes.defaults_table.defaults_table(FAMILY)`:
the `--recipe=default` and `--recipe=paper` values as the code resolves them. The marker
lines stay. `tests/test_recipes.py` asserts the table appears in the page.

Example:
    python scripts/update_docs_tables.py            # rewrite the stale pages
    python scripts/update_docs_tables.py --check    # exit 1 naming the stale pages
"""

import os
import re
import sys

from absl import app, flags

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from keras_gan.recipes.defaults_table import defaults_table  # noqa: E402

FLAGS = flags.FLAGS
flags.DEFINE_boolean("check", False, "Write nothing; exit 1 naming the pages whose table is stale.")

PAGES = {
    "gan": "docs/gan.md",
    "srgan": "docs/srgan.md",
    "inpainting": "docs/inpainting.md",
    "cyclegan": "docs/cyclegan.md",
}
"""Family -> its docs page (relative to the repository root)."""


def block_pattern(model):
    """The regex of a page's defaults block: the opening marker line, the content, the closing one."""
    name = re.escape(model)
    return re.compile(
        rf"(^<!-- defaults:{name} -->\n)(.*?)(^<!-- /defaults:{name} -->$)",
        re.MULTILINE | re.DOTALL,
    )


def updated_text(text, model, table):
    """`text` with the block between `model`'s markers replaced by `table`.

    The table gets a blank line above and below, so Markdown renders it as a table
    between the (invisible) marker comments.

    Raises:
        ValueError: when the page does not have exactly one pair of markers.
    """
    pattern = block_pattern(model)
    matches = pattern.findall(text)
    if len(matches) != 1:
        raise ValueError(
            f"Expected one '<!-- defaults:{model} -->' ... '<!-- /defaults:{model} -->' "
            f"block (each marker on a line of its own). Found {len(matches)}."
        )
    return pattern.sub(lambda m: m.group(1) + "\n" + table + "\n\n" + m.group(3), text)


def main(argv):
    del argv
    stale, errors = [], []
    for model, page in PAGES.items():
        path = os.path.join(REPO, page)
        try:
            with open(path, encoding="utf-8") as f:
                text = f.read()
            new = updated_text(text, model, defaults_table(model))
        except (OSError, ValueError) as e:
            errors.append(f"{page}: {e}")
            continue
        if new == text:
            continue
        stale.append(page)
        if not FLAGS.check:
            with open(path, "w", encoding="utf-8") as f:
                f.write(new)
    for error in errors:
        print(f"update_docs_tables.py: error: {error}", file=sys.stderr)
    if FLAGS.check:
        if stale:
            print(
                "Stale defaults tables (run python scripts/update_docs_tables.py): "
                + ", ".join(stale),
                file=sys.stderr,
            )
        else:
            print("Every defaults table is current.")
        return 1 if stale or errors else 0
    print("Updated: " + ", ".join(stale) if stale else "Every defaults table was current.")
    return 1 if errors else 0


if __name__ == "__main__":
    app.run(main)
