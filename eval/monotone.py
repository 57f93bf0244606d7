"""The answerability fit's model: a class-balanced logistic regression that keeps its signals' directions."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


class MonotoneLogistic:
    """A class-balanced, L2-regularised logistic regression whose weights keep their signals' directions.

    Fitted on standard scores (so the penalty treats a cosine that varies by hundredths like a 0/1 flag);
    a weight whose sign a signal forbids is held at zero by the bounds of L-BFGS-B instead.
    """

    def __init__(self, directions: Sequence[int], c: float = 1.0) -> None:
        self.directions = list(directions)
        self.c = c
        self.mean = np.zeros(len(self.directions))
        self.scale = np.ones(len(self.directions))
        self.coef = np.zeros(len(self.directions))
        self.intercept = 0.0

    def fit(self, x: np.ndarray, y: np.ndarray) -> MonotoneLogistic:
        """Fit on rows of signals and 0/1 labels."""
        from scipy.optimize import minimize

        self.mean = x.mean(axis=0)
        spread = x.std(axis=0)
        self.scale = np.where(spread == 0, 1.0, spread)
        z = (x - self.mean) / self.scale
        counts = np.bincount(y, minlength=2)
        weight = np.where(y == 1, len(y) / (2 * max(counts[1], 1)), len(y) / (2 * max(counts[0], 1)))
        sign = 2.0 * y - 1.0

        def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
            margin = sign * (z @ theta[:-1] + theta[-1])
            value = self.c * np.sum(weight * np.logaddexp(0.0, -margin)) + 0.5 * theta[:-1] @ theta[:-1]
            slope = -self.c * weight * sign / (1.0 + np.exp(margin))
            grad = np.append(z.T @ slope + theta[:-1], np.sum(slope))
            return float(value), grad

        bounds = [(0.0, None) if d > 0 else (None, 0.0) if d < 0 else (None, None) for d in self.directions]
        found = minimize(
            loss, np.zeros(z.shape[1] + 1), jac=True, method="L-BFGS-B", bounds=[*bounds, (None, None)]
        )
        self.coef, self.intercept = found.x[:-1], float(found.x[-1])
        return self

    def plain(self) -> tuple[np.ndarray, float]:
        """Weights and bias on the raw signal values (the standardisation folded back in)."""
        raw = self.coef / self.scale
        return raw, float(self.intercept - np.sum(self.coef * self.mean / self.scale))

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        """P(answerable) of each row."""
        raw, bias = self.plain()
        return 1.0 / (1.0 + np.exp(-np.clip(x @ raw + bias, -60.0, 60.0)))
