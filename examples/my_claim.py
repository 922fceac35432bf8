"""A claim from outside the package: ``convlab verify --claims examples/my_claim.py``.

SGD with steps 1/(mu (t + t0)) on a least-squares finite sum, one real sample per step,
started at the minimiser: E f(x_T) - f* = Theta(1/T) (the variance term C/T).
"""
from convlab import optimizers, oracles, problems, schedules
from convlab.claims import Paper, Slope, Sweep

MINE = Paper("my_lab", "my lab notes, 2026", algorithm=optimizers.sgd)
CLAIMS = [MINE.claim(
    "sgd.least_squares_one_over_t",
    theorem="SGD on a strongly convex finite sum", statement="E f(x_T) - f* = Theta(1/T)",
    theory="C / T", expect=Slope(-1.0, tol=0.15, why="slope -0.93 +- 0.06 at seeds 0-5"),
    rejects=("sgd.lr_frozen",),           # a wrong algorithm this claim must fail
    scenario=Sweep(
        problem=lambda: problems.least_squares(n=20, dim=5, noise=0.5, rng=0),
        params=lambda p: {"lr": schedules.inverse_power(1 / p.mu, 1.0, 2 * p.L_max / p.mu)},
        oracle=lambda p: oracles.minibatch(p, batch_size=1), x0="x_star"),
    sizes={"small": {"T": [500, 1000, 2000, 4000], "runs": 256},
           "full": {"T": [500, 1000, 2000, 4000, 8000, 16000], "runs": 1024}},
)]
