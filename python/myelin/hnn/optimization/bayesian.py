"""The Bayesian solver of HNN-core's Optimizer, on NumPy and SciPy alone.

HNN-core 0.6 minimises with a Gaussian-process surrogate (Brochu, Cora & de Freitas, "A
tutorial on Bayesian optimization of expensive cost functions", 2010) built on
scikit-learn's GaussianProcessRegressor with its default, fixed hyperparameters. The same
surrogate is written here directly:

- prior: zero mean, covariance k(a, b) = exp(-|a - b|^2 / 2) (unit amplitude, unit length
  scale in the parameters' own units, nothing fitted), observation noise 1e-10 added to
  the diagonal;
- each step draws 10000 candidates uniformly in the constraints' box, predicts the mean
  m and standard deviation s at each, and evaluates the function at the candidate that
  minimises the acquisition ``expected_improvement`` (below);
- the function is called once at x0 and then ``maxfun`` more times.
"""
import numpy as np
import scipy.linalg
import scipy.spatial.distance
import scipy.stats as st

N_CANDIDATES = 10000


class GaussianProcess:
    """Posterior of a zero-mean Gaussian process with the squared-exponential kernel
    exp(-|a - b|^2 / (2 length_scale^2)) and diagonal noise ``alpha``."""

    def __init__(self, length_scale=1.0, alpha=1e-10):
        self.length_scale = float(length_scale)
        self.alpha = float(alpha)

    def _kernel(self, a, b):
        d2 = scipy.spatial.distance.cdist(a / self.length_scale, b / self.length_scale,
                                          "sqeuclidean")
        return np.exp(-0.5 * d2)

    def fit(self, X, y):
        """Conditions on the samples X (n_samples, n_features) with values y."""
        self.X_ = np.atleast_2d(np.asarray(X, dtype=float))
        y = np.asarray(y, dtype=float)
        K = self._kernel(self.X_, self.X_)
        K[np.diag_indices_from(K)] += self.alpha
        try:
            self.L_ = scipy.linalg.cholesky(K, lower=True)
        except np.linalg.LinAlgError:
            raise np.linalg.LinAlgError(
                "Bayesian optimisation: the samples' covariance is not positive definite "
                "(samples too close for the kernel's length scale of 1 in parameter "
                "units); rescale the parameters or use solver='cobyla'") from None
        self.coef_ = scipy.linalg.cho_solve((self.L_, True), y)
        return self

    def predict(self, x, return_std=False):
        """Posterior mean at the points x (n_points, n_features), and its standard
        deviation (negative variances from rounding are taken as 0)."""
        k = self._kernel(np.atleast_2d(np.asarray(x, dtype=float)), self.X_)
        mean = k @ self.coef_
        if not return_std:
            return mean
        v = scipy.linalg.solve_triangular(self.L_, k.T, lower=True)
        var = 1.0 - np.einsum("ij,ij->j", v, v)
        return mean, np.sqrt(np.clip(var, 0.0, None))


def expected_improvement(gp, best_f, all_x):
    """HNN-core's acquisition, minimised over the candidates ``all_x``: with the posterior
    mean m and deviation s, z = (m - best_f) / s and the value is
    (m - best_f) Phi(z) + s phi(z), the expected amount by which a sample at the candidate
    would exceed the best value so far (small where the surrogate is sure to be below
    it)."""
    y, y_std = gp.predict(all_x, return_std=True)
    z = (y - best_f) / (y_std + 1e-12)
    return (y - best_f) * st.norm.cdf(z) + y_std * st.norm.pdf(z)


def bayes_opt(func, x0, cons, acquisition=expected_improvement, maxfun=200, debug=False,
              random_state=None):
    """Minimises ``func`` over the box ``cons`` (a list of (low, high) per parameter),
    starting at x0: one call at x0, then ``maxfun`` calls at the candidates chosen by
    ``acquisition``. Candidates are drawn with NumPy's global generator as HNN-core does,
    or with ``np.random.RandomState(random_state)`` when a seed is given. Returns
    (best_x as a list, best_f)."""
    rng = np.random if random_state is None else np.random.RandomState(random_state)
    low = np.array([c[0] for c in cons], dtype=float)
    high = np.array([c[1] for c in cons], dtype=float)
    X = [list(x0)]
    y = [func(list(x0))]
    best_x, best_f = X[0], y[0]
    gp = GaussianProcess()
    for it in range(maxfun):
        candidates = rng.uniform(low=low, high=high, size=(N_CANDIDATES, len(cons)))
        gp.fit(np.array(X), np.array(y))
        new_x = candidates[np.argmin(acquisition(gp, best_f, candidates))].tolist()
        new_f = func(new_x)
        X.append(new_x)
        y.append(new_f)
        if new_f < best_f:
            best_x, best_f = new_x, new_f
        if debug:
            print(f"bayes_opt: call {it + 2}, best {best_f} at {best_x}")
    return best_x, best_f
