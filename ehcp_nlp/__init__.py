"""ehcp-nlp: read the statements of Education, Health and Care Plans.

Say what each statement is (aspiration, need, outcome, provision) and how good it is (SMART
outcomes, quantified provision), with the evidence behind every score::

    import ehcp_nlp
    scorer = ehcp_nlp.load()                      # the bundled model
    result = scorer.score("By July 2027 Ayo will read 40 words aloud.")
    result.type, result.smart, result.findings

The names below are imported on first use, so that ``import ehcp_nlp`` (and the ``ehcp``
command) starts quickly and loads only what a task needs.
"""

from importlib import import_module

from ehcp_nlp.errors import EhcpError

__version__ = "0.1.0"

_EXPORTS = {
    "Analysis": "ehcp_nlp.bulk.analyse",
    "analyse": "ehcp_nlp.bulk.analyse",
    "Contribution": "ehcp_nlp.results",
    "Criterion": "ehcp_nlp.results",
    "Evidence": "ehcp_nlp.results",
    "Finding": "ehcp_nlp.results",
    "StatementScore": "ehcp_nlp.results",
    "Scorer": "ehcp_nlp.model.scorer",
    "TrainingConfig": "ehcp_nlp.model.train",
    "compare": "ehcp_nlp.model.compare",
    "evaluate": "ehcp_nlp.model.evaluate",
    "load": "ehcp_nlp.model.persist",
    "train": "ehcp_nlp.model.train",
}

__all__ = ["EhcpError", "__version__", *sorted(_EXPORTS)]


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'ehcp_nlp' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
