"""The public surface of the package: ``convlab.__all__``, ``dir(convlab)``, lazy loading,
``python -m convlab``, and the :data:`~convlab.optimizers.HyperLike` annotations."""

from __future__ import annotations

import inspect
import subprocess
import sys
import types
import typing
from pathlib import Path

import pytest

import convlab
from convlab import optimizers, oracles, problems, schedules, sharpness
from convlab.optimizers import HyperLike

ROOT = Path(__file__).resolve().parents[1]

EAGER = {"PerRunStreams", "Trace", "__version__", "optimizers", "oracles", "problems", "run",
         "schedules"}
LAZY = {"certify", "claims", "heldout", "mutants", "power", "rates", "sharpness", "theory",
        "verify", "worst"}

#: Every optimizer factory and its hyperparameters (the arguments typed HyperLike).
FACTORY_HYPERS = {
    "sgd": ("lr",),
    "amsgrad": ("lr",),
    "sam": ("lr", "rho"),
    "usam": ("lr", "rho"),
    "gsam": ("lr", "rho", "alpha"),
    "adasam": ("lr", "rho"),
    "adgd": ("eta0",),
    "sasgd": ("eta0",),
    "sasam": ("eta0",),
}

#: Public factories whose docstrings must carry a numpydoc Returns and an Examples section.
DOCUMENTED = [
    *(getattr(optimizers, n) for n in FACTORY_HYPERS),
    optimizers.get,
    problems.quadratic, problems.least_squares, problems.logistic, problems.separable,
    problems.xy_minus_one, problems.rosenbrock, problems.haar_orthogonal, problems.log1p_sq,
    problems.geman_mcclure, problems.cosine_trap, problems.get,
    oracles.exact, oracles.gaussian, oracles.rademacher, oracles.two_point, oracles.minibatch,
    oracles.get,
    schedules.as_schedule, schedules.constant, schedules.inverse_power, schedules.cosine,
    schedules.linear, schedules.step, schedules.geometric_batch, schedules.tied,
    convlab.run, sharpness.hessian_trace, sharpness.lambda_max,
]
#: Classes: an Examples section in the class docstring (no Returns).
DOCUMENTED_CLASSES = [convlab.Trace, convlab.PerRunStreams, schedules.Schedule,
                      optimizers.Hyper]


def _run_python(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, check=False)


# ------------------------------------------------------------------------------- __all__


def test_all_lists_the_public_names():
    assert set(convlab.__all__) >= EAGER | LAZY
    assert len(convlab.__all__) == len(set(convlab.__all__))
    assert list(convlab.__all__) == sorted(convlab.__all__)


@pytest.mark.parametrize("name", sorted(EAGER | LAZY))
def test_every_public_name_resolves(name):
    value = getattr(convlab, name)
    assert value is not None
    if name in ("claims", "rates", "sharpness", "theory"):
        assert isinstance(value, types.ModuleType)
        assert value.__name__ == f"convlab.{name}"
    if name == "verify":
        assert callable(value)
        assert value.__module__ == "convlab.report"


def test_unknown_attribute_raises_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        convlab.nope  # noqa: B018
    assert not hasattr(convlab, "nope")


def test_star_import_gives_exactly_all():
    ns: dict[str, object] = {}
    exec("from convlab import *", ns)
    assert set(ns) - {"__builtins__"} == set(convlab.__all__)


# ------------------------------------------------------------------------------- dir()


def test_dir_is_all():
    names = dir(convlab)
    assert names == sorted(convlab.__all__)
    assert set(names) >= LAZY             # the lazy names show before they are loaded


@pytest.mark.parametrize("leftover", ["PackageNotFoundError", "version", "annotations",
                                      "importlib", "_provenance", "_validation"])
def test_dir_has_no_import_leftovers(leftover):
    assert leftover not in dir(convlab)


@pytest.mark.parametrize("leftover", ["PackageNotFoundError", "version", "annotations"])
def test_no_public_import_leftovers_in_the_namespace(leftover):
    assert leftover not in vars(convlab)


def test_every_public_global_is_in_all():
    """Any public non-module global (a function, class or constant) is exported."""
    public = {n for n, v in vars(convlab).items()
              if not n.startswith("_") and not isinstance(v, types.ModuleType)}
    assert public <= set(convlab.__all__)


def test_version_is_a_string():
    assert isinstance(convlab.__version__, str) and convlab.__version__


def test_import_stays_lazy():
    code = ("import sys, convlab\n"
            "heavy = ['convlab.claims', 'convlab.rates', 'convlab.theory', 'convlab.sharpness',"
            " 'convlab.report', 'sympy']\n"
            "print(','.join(m for m in heavy if m in sys.modules))\n"
            "convlab.sharpness\n"
            "print('convlab.sharpness' in sys.modules)\n")
    out = _run_python("-c", code)
    assert out.returncode == 0, out.stderr
    loaded_before, loaded_after = out.stdout.splitlines()
    assert loaded_before == ""
    assert loaded_after == "True"


# ------------------------------------------------------------------------ python -m convlab


def test_python_dash_m_lists_problems():
    out = _run_python("-m", "convlab", "list", "problems")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("problems:")
    for name in problems.REGISTRY:
        assert name in out.stdout


def test_python_dash_m_passes_the_exit_status():
    out = _run_python("-m", "convlab", "no-such-command")
    assert out.returncode == 2                   # argparse usage error
    assert "usage: convlab" in out.stderr


def test_main_module_imports_without_running():
    import convlab.__main__ as main_module

    assert main_module.main is convlab.cli.main


# ----------------------------------------------------------------------------- HyperLike


def test_hyperlike_is_exported():
    assert "HyperLike" in optimizers.__all__
    assert optimizers.HyperLike is HyperLike
    args = set(typing.get_args(HyperLike))
    assert float in args and schedules.Schedule in args


@pytest.mark.parametrize("factory", sorted(FACTORY_HYPERS))
def test_factories_annotate_hyperparameters_with_hyperlike(factory):
    fn = getattr(optimizers, factory)
    hints = typing.get_type_hints(fn)
    for arg in FACTORY_HYPERS[factory]:
        assert hints[arg] == HyperLike, (factory, arg, hints[arg])
    assert hints["return"] is optimizers.Optimizer
    assert "Any" not in {str(inspect.signature(fn).parameters[a].annotation)
                         for a in FACTORY_HYPERS[factory]}


def test_sam_annotations_are_hyperlike():
    sig = inspect.signature(optimizers.sam)
    assert sig.parameters["lr"].annotation == "HyperLike"
    assert sig.parameters["rho"].annotation == "HyperLike"
    assert typing.get_type_hints(optimizers.sam)["rho"] == HyperLike


@pytest.mark.parametrize("value", [0.1, [0.1, 0.2], schedules.constant(0.1),
                                   lambda t: 0.1 / (t + 1)])
def test_every_hyperlike_form_is_accepted(value):
    opt = optimizers.sam(value, value)
    trace = convlab.run(problems.quadratic([1.0, 4.0]), opt, [1.0, 1.0], 5, runs=2)
    assert trace.final("f_gap").shape == (2,)


# ----------------------------------------------------------------------------- docstrings


@pytest.mark.parametrize("fn", DOCUMENTED, ids=lambda f: f"{f.__module__}.{f.__name__}")
def test_factories_have_returns_and_examples(fn):
    doc = inspect.getdoc(fn) or ""
    assert "Returns\n-------" in doc, fn
    assert "Examples\n--------" in doc, fn
    assert ">>> " in doc.split("Examples\n--------", 1)[1], fn


@pytest.mark.parametrize("cls", DOCUMENTED_CLASSES, ids=lambda c: c.__name__)
def test_classes_have_examples(cls):
    doc = inspect.getdoc(cls) or ""
    assert "Examples\n--------" in doc and ">>> " in doc, cls


def test_optimizer_docs_name_hyperlike():
    for name, hypers in FACTORY_HYPERS.items():
        doc = inspect.getdoc(getattr(optimizers, name)) or ""
        params = [line.split(" : ")[0] for line in doc.splitlines()
                  if line.endswith(" : HyperLike")]
        documented = {p.strip() for line in params for p in line.split(",")}
        assert documented >= set(hypers), (name, documented)
