"""Quality metrics for generated images: FID, KID, Inception Score, class coverage.

All image inputs are NHWC float32 in ``[-1, 1]``. Typical use:

```python
from keras_gan import metrics

extractor = metrics.inception_feature_extractor()  # or any Keras feature model
real = metrics.compute_features(extractor, real_images)
fake = metrics.compute_features(extractor, generated_images)
fid = metrics.frechet_distance(real, fake)
kid_mean, kid_std = metrics.kernel_inception_distance(real, fake)
```
"""

from keras_gan.metrics.classification import (
    class_coverage,
    classifier_probabilities,
    inception_score,
    to_probabilities,
)
from keras_gan.metrics.distances import (
    feature_moments,
    frechet_distance,
    frechet_distance_from_moments,
    kernel_inception_distance,
)
from keras_gan.metrics.features import compute_features, inception_feature_extractor
from keras_gan.metrics.image_quality import PSNR, SSIM, psnr, rgb_to_y, ssim

__all__ = [
    "PSNR",
    "SSIM",
    "psnr",
    "rgb_to_y",
    "ssim",
    "class_coverage",
    "classifier_probabilities",
    "compute_features",
    "feature_moments",
    "frechet_distance",
    "frechet_distance_from_moments",
    "inception_feature_extractor",
    "inception_score",
    "kernel_inception_distance",
    "to_probabilities",
]
