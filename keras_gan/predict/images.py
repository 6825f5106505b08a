"""Reading inputs and masks, writing outputs atomically, listing input files."""

import os

import numpy as np

from keras_gan.atomic import atomic_write
from keras_gan.data.sources import IMAGE_EXTENSIONS

OUTPUT_EXTENSIONS = (".png", ".jpg", ".jpeg")
GENERATED_MASK_SIZE = 512  # rect/free_form masks are drawn at most this size, then resized
UNREADABLE = (OSError, ValueError, SyntaxError)
"""What PIL raises for a file that is not an image, or a corrupt one (besides
`PIL.Image.DecompressionBombError`, for sizes over `Image.MAX_IMAGE_PIXELS`)."""


def read_image(path, channels=3):
    """Read an image file as float32 `(H, W, channels)` in [-1, 1].

    EXIF orientation is applied (phone photos); alpha is dropped; gray is
    broadcast to RGB and RGB converted to gray as `channels` needs; 16-bit
    images keep their range (scaled, not clipped); CMYK is converted to RGB;
    an animated GIF or WebP gives its first frame.

    Args:
        path: an image file PIL reads (PNG, JPEG, BMP, GIF, TIFF, WebP, ...).
        channels: 1 or 3.

    Returns:
        float32 array in [-1, 1].

    Raises:
        ValueError: when the file cannot be read as an image.

    Example:
    ```python
    image = read_image("photo.jpg")
    ```
    """
    from PIL import Image, ImageOps

    try:
        with Image.open(path) as pil:
            pixels = _pixels(ImageOps.exif_transpose(pil), channels)
    except (*UNREADABLE, Image.DecompressionBombError) as error:
        raise ValueError(
            f"Cannot read {path!r} as an image ({type(error).__name__}: "
            f"{' '.join(str(error).split())}). Received: input={path!r}"
        ) from None
    pixels = pixels[..., None] if pixels.ndim == 2 else pixels
    return pixels / 127.5 - 1.0


def _pixels(pil, channels):
    """float32 `(H, W)` (`channels=1`) or `(H, W, 3)` pixels in [0, 255] of a PIL image.

    16-bit gray (modes `I;16*` and `I`: 16-bit PNG and TIFF) is scaled by 255 / 65535;
    PIL's own `convert` clips it at 255 instead. Everything else is converted by PIL
    (CMYK, palette, alpha dropped, ...).
    """
    if pil.mode == "I" or pil.mode.startswith("I;16"):
        gray = np.clip(np.asarray(pil, np.float32) * (255.0 / 65535.0), 0.0, 255.0)
        return gray if channels == 1 else np.repeat(gray[..., None], 3, axis=-1)
    return np.asarray(pil.convert("L" if channels == 1 else "RGB"), np.float32)


def read_mask(path, height, width):
    """Read a mask image (white = hole), resized to `(height, width)`, as float32 0/1.

    Args:
        path: an image file of any size and channels (luminance > 0.5 is a hole).
        height, width: the image's size.

    Returns:
        float32 `(height, width, 1)`, 1 on the hole.

    Raises:
        ValueError: when the file is not an image.

    Example:
    ```python
    mask = read_mask("hole.png", 480, 640)
    ```
    """
    import tensorflow as tf
    from PIL import Image

    try:
        with Image.open(path) as pil:
            pixels = _pixels(pil, 1)[..., None] / 255.0
    except (*UNREADABLE, Image.DecompressionBombError) as error:
        raise ValueError(
            f"The mask {path!r} is not an image ({type(error).__name__}). Received: mask={path!r}"
        ) from None
    # Area resize and threshold, as the SavedModel's `serving_image_bytes` does.
    resized = tf.image.resize(pixels, [height, width], method="area").numpy()
    return (resized > 0.5).astype(np.float32)


def generated_mask(kind, height, width, seed):
    """A seeded `rect` or `free_form` mask (`keras_gan.data.masks`) resized to the image.

    The mask is drawn square at `min(max(height, width), GENERATED_MASK_SIZE)` px and
    resized (nearest) to `(height, width)`.

    Args:
        kind: `"rect"` or `"free_form"`.
        height, width: the image's size.
        seed: int, or a pair of ints.

    Returns:
        float32 `(height, width, 1)`, 1 on the hole.

    Example:
    ```python
    mask = generated_mask("free_form", 480, 640, seed=0)
    ```
    """
    import tensorflow as tf

    from keras_gan.data.masks import free_form_mask, rect_mask

    if kind not in ("rect", "free_form"):
        raise ValueError(
            f"`mask` must be rect, free_form or an image path. Received: mask={kind!r}"
        )
    size = min(max(height, width), GENERATED_MASK_SIZE)
    seed = tf.constant(list(seed) if isinstance(seed, (tuple, list)) else [seed, 0], tf.int64)
    mask = (rect_mask if kind == "rect" else free_form_mask)(size, seed)
    mask = tf.image.resize(mask, [height, width], method="nearest")
    return mask.numpy().astype(np.float32)


def to_pixels(image):
    """float32 in [-1, 1] -> uint8 pixels (rounded, clipped); uint8 passes through."""
    image = np.asarray(image)
    if image.dtype == np.uint8:
        return image
    return np.clip(np.round((image.astype(np.float32) + 1.0) * 127.5), 0, 255).astype(np.uint8)


def check_output_path(path, overwrite=False):
    """Raise `ValueError` for an output with no PNG/JPEG extension, or one that exists."""
    if os.path.splitext(path)[1].lower() not in OUTPUT_EXTENSIONS:
        raise ValueError(
            f"Outputs are written as .png, .jpg or .jpeg files. Received: output={path!r}"
        )
    if os.path.exists(path) and not overwrite:
        raise ValueError(
            f"The output exists; pass --overwrite to replace it. Received: output={path!r}"
        )


def write_image(path, image, overwrite=False, quality=95):
    """Write an image atomically: to a temporary name beside `path`, then renamed.

    Args:
        path: `.png`, `.jpg` or `.jpeg` file; folders are created.
        image: `(H, W, C)` float32 in [-1, 1] or uint8; C = 1 or 3.
        overwrite: replace an existing file.
        quality: JPEG quality.

    Returns:
        `path`.

    Raises:
        ValueError: for another extension, or an existing file without `overwrite`.
        OSError: when the file cannot be written (full disk, read-only folder); no
            temporary file is left.

    Example:
    ```python
    write_image("out/sr.png", sr)
    ```
    """
    from PIL import Image

    check_output_path(path, overwrite)
    pixels = to_pixels(image)
    pixels = pixels[..., 0] if pixels.shape[-1] == 1 else pixels
    folder = os.path.dirname(os.path.abspath(path))
    extension = os.path.splitext(path)[1].lower()
    try:
        os.makedirs(folder, exist_ok=True)
        with atomic_write(path) as tmp:
            with open(tmp, "wb") as f:
                if extension == ".png":
                    Image.fromarray(pixels).save(f, format="PNG")
                else:
                    Image.fromarray(pixels).save(f, format="JPEG", quality=quality)
            if not overwrite and os.path.exists(path):  # appeared meanwhile
                raise ValueError(
                    f"The output exists; pass --overwrite to replace it. Received: output={path!r}"
                )
    except OSError as error:  # a full disk, a read-only folder: name the output
        raise OSError(
            f"Cannot write {path!r} ({' '.join(str(error).split())}). Received: output={path!r}"
        ) from None
    return path


def list_inputs(inputs):
    """Expand `inputs` to `(path, relative path)` pairs.

    Args:
        inputs: a file, a folder (searched recursively; relative paths kept), a comma
            list of them, a list, or `@list.txt` (one path a line).

    Returns:
        A list of `(path, relpath)`; a file given directly has its base name as relpath.

    Raises:
        ValueError: for a path that does not exist, or no image at all.

    Example:
    ```python
    list_inputs("photos/")  # [("photos/a.jpg", "a.jpg"), ("photos/trip/b.png", "trip/b.png")]
    ```
    """
    if isinstance(inputs, str):
        if inputs.startswith("@"):
            with open(inputs[1:]) as f:
                inputs = [line.strip() for line in f if line.strip()]
        else:
            inputs = [p.strip() for p in inputs.split(",") if p.strip()]
    pairs = []
    for item in inputs:
        item = os.fspath(item)
        if os.path.isdir(item):
            for root, dirs, files in os.walk(item):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if not name.startswith(".") and name.lower().endswith(
                        IMAGE_EXTENSIONS + (".tif", ".tiff", ".webp")
                    ):
                        path = os.path.join(root, name)
                        pairs.append((path, os.path.relpath(path, item)))
        elif os.path.exists(item):
            pairs.append((item, os.path.basename(item)))
        else:
            raise ValueError(f"Input not found. Received: input={item!r}")
    if not pairs:
        raise ValueError(f"No input images. Received: input={inputs!r}")
    return pairs


def make_grid(images, columns=None):
    """Tile `(N, H, W, C)` images into one `(rows * H, columns * W, C)` image.

    Args:
        images: array of images (float32 in [-1, 1] or uint8).
        columns: images per row; `None` = ceil(sqrt(N)).

    Returns:
        One image of the same dtype; empty cells are black.

    Example:
    ```python
    grid = make_grid(samples, columns=8)
    ```
    """
    images = np.asarray(images)
    n, h, w, c = images.shape
    if columns is not None and (not isinstance(columns, (int, np.integer)) or columns < 1):
        raise ValueError(f"`columns` must be None or an int >= 1. Received: columns={columns!r}")
    columns = columns or int(np.ceil(np.sqrt(n)))
    rows = int(np.ceil(n / columns))
    fill = -1.0 if images.dtype.kind == "f" else 0
    grid = np.full((rows * h, columns * w, c), fill, images.dtype)
    for i, image in enumerate(images):
        r, col = divmod(i, columns)
        grid[r * h : (r + 1) * h, col * w : (col + 1) * w] = image
    return grid
