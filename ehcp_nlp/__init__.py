"""ehcp-nlp: read the statements of Education, Health and Care Plans.

Say what each statement is (aspiration, need, outcome, provision) and how good it is (SMART
outcomes, quantified provision), with the evidence behind every score.
"""

from ehcp_nlp.errors import EhcpError

__version__ = "0.1.0"

__all__ = ["EhcpError", "__version__"]
