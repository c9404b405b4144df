"""Bulk analysis of anonymised plans: read, score, check the golden thread, report."""

from ehcp_nlp.bulk.analyse import Analysis, OutputError, Totals, analyse, discover

__all__ = ["Analysis", "OutputError", "Totals", "analyse", "discover"]
