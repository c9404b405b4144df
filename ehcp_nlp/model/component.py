"""``nlp.add_pipe("ehcp_scorer")``: score each Doc and set ``doc._.ehcp``.

The component runs the scorer's own pipeline (blank English, lookup lemmas, evidence rulers)
on the Doc's text, so it gives the same scores whatever tokenizer or model the host pipeline
uses; the host's annotations are left untouched.
"""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

if not Doc.has_extension("ehcp"):
    Doc.set_extension("ehcp", default=None)


class ScorerComponent:
    """Set ``doc._.ehcp`` to the :class:`~ehcp_nlp.results.StatementScore` of the Doc's text.

    Parameters
    ----------
    nlp
        The host pipeline.
    name
        The component's name.
    model
        A model directory, or ``None`` for the bundled model.
    explain
        Include each component's top features in the contributions.
    """

    def __init__(self, nlp: Language, name: str, model: str | None, explain: bool) -> None:
        from ehcp_nlp.model.persist import load

        self.name = name
        self.scorer = load(model)
        self.explain = explain

    def __call__(self, doc: Doc) -> Doc:
        """Score the Doc (an empty Doc is left with ``doc._.ehcp = None``)."""
        if doc.text.strip():
            doc._.ehcp = self.scorer.score(doc.text, explain=self.explain)
        return doc

    def pipe(self, docs, batch_size: int = 1000):
        """Score a stream of Docs a batch at a time."""
        from itertools import islice

        docs = iter(docs)
        while batch := list(islice(docs, batch_size)):
            scorable = [d for d in batch if d.text.strip()]
            scores = self.scorer.score_many([d.text for d in scorable], explain=self.explain)
            for doc, score in zip(scorable, scores, strict=True):
                doc._.ehcp = score
            yield from batch


@Language.factory("ehcp_scorer", assigns=["doc._.ehcp"],
                  default_config={"model": None, "explain": False})
def make_scorer(nlp: Language, name: str, model: str | None, explain: bool) -> ScorerComponent:
    """Create the scoring component."""
    return ScorerComponent(nlp, name, model, explain)
