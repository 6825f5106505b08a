"""Distances between feature distributions: FID and KID."""

from __future__ import annotations

import numpy as np


def _as_features(features, name):
    features = np.asarray(features, dtype=np.float64)
    if features.ndim != 2:
        raise ValueError(f"{name} must have shape (N, D), got {features.shape}.")
    if features.shape[0] < 2:
        raise ValueError(f"{name} needs at least 2 samples, got {features.shape[0]}.")
    return features


def feature_moments(features):
    """Mean and covariance of a feature set, the sufficient statistics of FID.

    Args:
        features: array of shape ``(N, D)`` with ``N >= 2``.

    Returns:
        ``(mu, sigma)``: float64 arrays of shapes ``(D,)`` and ``(D, D)`` (the
        unbiased covariance, as in the reference FID code).

    Example:

    ```python
    mu, sigma = feature_moments(compute_features(extractor, real_images))
    ```
    """
    features = _as_features(features, "features")
    return features.mean(axis=0), np.cov(features, rowvar=False)


def _sqrtm_psd(matrix):
    """Square root of a symmetric positive semi-definite matrix via eigh."""
    eigenvalues, eigenvectors = np.linalg.eigh((matrix + matrix.T) / 2.0)
    eigenvalues = np.clip(eigenvalues, 0.0, None)
    return (eigenvectors * np.sqrt(eigenvalues)) @ eigenvectors.T


def frechet_distance_from_moments(mu1, sigma1, mu2, sigma2):
    """Fréchet distance between two Gaussians given their means and covariances.

    ``d² = ||mu1 - mu2||² + tr(S1) + tr(S2) - 2 tr((S1 S2)^½)``, where the trace
    of the matrix square root is computed stably as the sum of the square roots of
    the eigenvalues of the symmetric PSD matrix ``S1^½ S2 S1^½`` (tiny negative
    eigenvalues from round-off are clipped to 0), which works for singular
    covariances (fewer samples than dimensions) too.

    Args:
        mu1: mean of the first distribution, shape ``(D,)``.
        sigma1: covariance of the first distribution, shape ``(D, D)``.
        mu2: mean of the second distribution, shape ``(D,)``.
        sigma2: covariance of the second distribution, shape ``(D, D)``.

    Returns:
        The squared Fréchet distance as a Python float (>= 0).

    Example:

    ```python
    frechet_distance_from_moments(np.zeros(2), np.eye(2), np.ones(2), np.eye(2))  # 2.0
    ```

    Reference:
        Heusel et al., "GANs Trained by a Two Time-Scale Update Rule Converge to a
        Local Nash Equilibrium", NeurIPS 2017.
    """
    mu1 = np.atleast_1d(np.asarray(mu1, dtype=np.float64))
    mu2 = np.atleast_1d(np.asarray(mu2, dtype=np.float64))
    sigma1 = np.atleast_2d(np.asarray(sigma1, dtype=np.float64))
    sigma2 = np.atleast_2d(np.asarray(sigma2, dtype=np.float64))
    if mu1.shape != mu2.shape or sigma1.shape != sigma2.shape:
        raise ValueError(
            f"Mismatched moments: means {mu1.shape} vs {mu2.shape}, "
            f"covariances {sigma1.shape} vs {sigma2.shape}."
        )
    if sigma1.shape != (mu1.shape[0], mu1.shape[0]):
        raise ValueError(f"Covariance shape {sigma1.shape} does not match mean {mu1.shape}.")
    sqrt_sigma1 = _sqrtm_psd(sigma1)
    product = sqrt_sigma1 @ sigma2 @ sqrt_sigma1
    eigenvalues = np.linalg.eigvalsh((product + product.T) / 2.0)
    trace_sqrt = np.sqrt(np.clip(eigenvalues, 0.0, None)).sum()
    diff = mu1 - mu2
    distance = diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2.0 * trace_sqrt
    return float(max(distance, 0.0))


def frechet_distance(real_features, fake_features):
    """Fréchet Inception Distance (FID) between two feature sets.

    Fits a Gaussian to each set (mean and unbiased covariance) and returns the
    squared Fréchet distance between them (see `frechet_distance_from_moments`).
    With InceptionV3 pool-3 features this is the FID; with any other extractor
    (e.g. a domain classifier's penultimate layer) it is the analogous
    "Fréchet <extractor> distance". Use >= 10,000 samples for stable values: FID
    is biased upward for small sample counts.

    Args:
        real_features: array ``(N, D)`` of features of real images.
        fake_features: array ``(M, D)`` of features of generated images.

    Returns:
        The FID as a Python float (0 for identical feature sets).

    Example:

    ```python
    fid = frechet_distance(compute_features(extractor, real_images),
                           compute_features(extractor, fake_images))
    ```

    Reference:
        Heusel et al., "GANs Trained by a Two Time-Scale Update Rule Converge to a
        Local Nash Equilibrium", NeurIPS 2017.
    """
    real_features = _as_features(real_features, "real_features")
    fake_features = _as_features(fake_features, "fake_features")
    if real_features.shape[1] != fake_features.shape[1]:
        raise ValueError(
            f"Feature dimensions differ: {real_features.shape[1]} vs {fake_features.shape[1]}."
        )
    return frechet_distance_from_moments(
        *feature_moments(real_features), *feature_moments(fake_features)
    )


def _polynomial_mmd2(x, y):
    """Unbiased MMD² with the cubic polynomial kernel between equal-size sets."""
    dim = x.shape[1]
    k_xx = (x @ x.T / dim + 1.0) ** 3
    k_yy = (y @ y.T / dim + 1.0) ** 3
    k_xy = (x @ y.T / dim + 1.0) ** 3
    m = x.shape[0]
    n = y.shape[0]
    sum_xx = (k_xx.sum() - np.trace(k_xx)) / (m * (m - 1))
    sum_yy = (k_yy.sum() - np.trace(k_yy)) / (n * (n - 1))
    return sum_xx + sum_yy - 2.0 * k_xy.mean()


def kernel_inception_distance(
    real_features, fake_features, num_subsets=100, subset_size=1000, seed=0
):
    """Kernel Inception Distance (KID): unbiased MMD² between two feature sets.

    Uses the cubic polynomial kernel ``k(x, y) = (x·y / d + 1)³`` and averages the
    unbiased MMD² estimate over ``num_subsets`` random subsets of ``subset_size``
    samples drawn without replacement from each set. Unlike FID, the estimator is
    unbiased, so values are comparable across sample sizes; it may be slightly
    negative when the distributions match.

    Args:
        real_features: array ``(N, D)`` of features of real images.
        fake_features: array ``(M, D)`` of features of generated images.
        num_subsets: number of random subsets averaged.
        subset_size: samples per subset; capped at ``min(N, M)``.
        seed: seed of the subset sampling, for reproducible values.

    Returns:
        ``(mean, std)`` of the MMD² over the subsets, as Python floats.

    Example:

    ```python
    kid_mean, kid_std = kernel_inception_distance(real_features, fake_features)
    ```

    Reference:
        Bińkowski et al., "Demystifying MMD GANs", ICLR 2018.
    """
    real_features = _as_features(real_features, "real_features")
    fake_features = _as_features(fake_features, "fake_features")
    if real_features.shape[1] != fake_features.shape[1]:
        raise ValueError(
            f"Feature dimensions differ: {real_features.shape[1]} vs {fake_features.shape[1]}."
        )
    if num_subsets < 1:
        raise ValueError(f"num_subsets must be >= 1, got {num_subsets}.")
    size = min(int(subset_size), real_features.shape[0], fake_features.shape[0])
    if size < 2:
        raise ValueError(f"subset_size must be >= 2, got {subset_size}.")
    rng = np.random.default_rng(seed)
    values = np.empty(num_subsets, dtype=np.float64)
    for i in range(num_subsets):
        x = real_features[rng.choice(real_features.shape[0], size, replace=False)]
        y = fake_features[rng.choice(fake_features.shape[0], size, replace=False)]
        values[i] = _polynomial_mmd2(x, y)
    return float(values.mean()), float(values.std())
