"""Quality metrics for generated images: FID, KID, Inception Score, class coverage, PSNR, SSIM.

Pure functions of images, features or probabilities (and Keras metric classes); the
procedures that load data, run a generator and compare it to baselines are in
`keras_gan.evaluation`. All image inputs are NHWC float32 in ``[-1, 1]`` unless a
function says otherwise. Typical use:

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
from keras_gan.metrics.image_quality import PSNR, PSNR_CAP, SSIM, mean_psnr, psnr, rgb_to_y, ssim
from keras_gan.metrics.inpainting_quality import hole_l1, hole_psnr

__all__ = [
    "PSNR",
    "PSNR_CAP",
    "SSIM",
    "hole_l1",
    "hole_psnr",
    "mean_psnr",
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
