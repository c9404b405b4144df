"""Rule patterns, kept as data: one dictionary per evidence family, label -> token patterns.

A pattern is either a list of literal phrases (``phrases([...])``, matched on lower case with
spaCy's ``PhraseMatcher``) or a pair ``(anchor, expression)``. The expression is a regular
expression over the statement's *tokens*, written with single spaces between tokens
(``"by the end of"``) and matched case-insensitively against the Doc's tokens joined by single
spaces, starting at a token and ending at a token boundary, so every match becomes a ``Span``.
The anchor is an expression that the *whole first* token must match; the ruler tries a pattern
only at tokens whose text the anchor accepts (a per-word cache), which is what makes a hundred
patterns cheap. Word classes shared by many patterns are written as ``{MONTH}``, ``{NUM}``...
and filled in from :mod:`ehcp_nlp.nlp.vocab`. Each family becomes a span group on the Doc
(``doc.spans["time_frame"]``), and every label is tested in ``tests/test_patterns.py`` with
texts it must and must not match.

Why anchored expressions over tokens rather than spaCy ``Matcher`` dictionaries: the Matcher
tests every pattern at every token (about 2 microseconds per pattern per statement on our
machines), which for the ~150 patterns below would cap scoring near 3,000 statements a second;
with anchors, a statement costs one dictionary look-up per token plus the few patterns its
words can start.
"""

from __future__ import annotations

from ehcp_nlp.nlp.vocab import (
    CHILD_WORDS,
    CLOCK_UNITS,
    EVENTS,
    MONTHS,
    NUMBER_WORDS,
    PERIOD_WORDS,
    PROVIDERS,
    SEASONS,
    SERVICE_WORDS,
    TIME_UNITS,
)


def _alt(words: list[str]) -> str:
    """Return a regex alternation of phrases, as a trie so the engine branches by prefix.

    Python's ``re`` tries the branches of an alternation one by one; factoring shared prefixes
    (``da(?:ily|y)``) makes a list of hundreds of phrases cost about as much as a few.
    """
    trie: dict = {}
    for word in {_phrase(w) for w in words}:
        node = trie
        for char in _tokens_of(word):
            node = node.setdefault(char, {})
        node[""] = {}
    return _trie_regex(trie)


def _tokens_of(escaped: str) -> list[str]:
    """Split an escaped phrase into regex atoms (an escape and its character stay together)."""
    atoms, i = [], 0
    while i < len(escaped):
        step = 2 if escaped[i] == "\\" else 1
        atoms.append(escaped[i : i + step])
        i += step
    return atoms


def _trie_regex(node: dict) -> str:
    branches = [atom + _trie_regex(child) for atom, child in sorted(node.items()) if atom]
    optional = "" in node
    if not branches:
        return ""
    if len(branches) == 1 and not optional:
        return branches[0]
    single_atom = len(branches) == 1 and len(_tokens_of(branches[0])) == 1
    body = branches[0] if single_atom else "(?:" + "|".join(branches) + ")"
    return body + ("?" if optional else "")


def _phrase(text: str) -> str:
    """Escape a phrase, allowing the hyphens and apostrophes the tokenizer splits off."""
    out = []
    for word in text.split():
        word = (word.replace("-", " - ").replace("'", " '")).split()
        out.append(" ".join(_escape(w) for w in word))
    return " ".join(out)


def _escape(word: str) -> str:
    special = set(".^$*+?{}[]\\|()")
    return "".join("\\" + c if c in special else c for c in word)


#: Word classes usable as ``{NAME}`` inside patterns.
CLASSES: dict[str, str] = {
    "NUM": r"(?:\d+(?:[.,]\d+)?|" + _alt(NUMBER_WORDS)[3:],
    "MONTH": _alt(MONTHS),
    "YEAR": r"20\d\d",
    "TIME_UNIT": _alt(TIME_UNITS),
    "CLOCK_UNIT": _alt(CLOCK_UNITS),
    "SEASON": _alt(SEASONS),
    "EVENT": _alt(EVENTS),
    "PERIOD": _alt(PERIOD_WORDS),
    "PROVIDER": _alt(PROVIDERS),
    "SERVICE": _alt(SERVICE_WORDS),
    "CHILD": _alt(CHILD_WORDS),
    "POSS": "(?:the|this|next|his|her|their|my|our|your)",
    "ORD": r"\d+(?:st|nd|rd|th)",
    "NAME": r"(?-i:[A-Z][a-z]+(?:[-'][A-Za-z]+)?)",
    # a statement's start: the text's start, or (in a batch) after the double space that
    # separates statements; or after a sentence or list mark
    "START": r"(?:^|(?<=  )|(?<=[.;:!?•*\-] ))",
    "TOKEN": r"[^ ]+",
}

class Phrases(tuple):
    """A list of literal phrases, matched on lower case by spaCy's ``PhraseMatcher``."""

    __slots__ = ()


Pattern = tuple[str, str] | Phrases


def phrases(words: list[str]) -> Phrases:
    """Return a pattern that matches any of these phrases (case-insensitive)."""
    return Phrases(words)


BY = "by|before|until|till"

TIME_FRAME: dict[str, list[Pattern]] = {
    # by the end of the spring term / Key Stage 2 / Year 7 / the course
    "end_of_period": [
        ("by|before|at|until|towards|for",
         r"(?:by|before|at|until|towards|for) the (?:end|close|start|beginning|middle) of"
         r"(?: (?:{PERIOD}|\d{{1,4}}))*"),
        ("end|eoy|eot",
         r"(?:end|eoy|eot) of (?:term|year|ks ?\d|key stage \d|reception|year \d+|y\d+"
         r"|yr(?: ?\d+)?|(?:the )?(?:autumn|spring|summer)(?: term)?)"),
        # "by end KS2", "by end of yr 2", "before end Y6"
        ("by|before", r"(?:by|before) end (?:of )?(?:ks ?\d|key stage \d|y\d+|yr(?: ?\d+)?|year"
                      r"(?: \d+)?|term|reception|(?:autumn|spring|summer)(?: term)?)"),
        phrases(["eoy", "eot"]),
    ],
    # by July, by July 2027, in September 2026, by 31/07/2027
    "date": [
        ("by|before|in|during|until|from",
         r"(?:by|before|in|during|until|from) {MONTH}(?: {YEAR})?"),
        ("{MONTH}", r"{MONTH} {YEAR}"),
        (r"\d\S*", r"\d{{1,2}} ?[/.-] ?\d{{1,2}} ?[/.-] ?\d{{2,4}}"),
        ("by|before|in|during", r"(?:by|before|in|during) {YEAR}"),
    ],
    # by Christmas, by half term, by the summer holidays, this term, in the spring term
    "event": [
        (BY, r"(?:by|before|until|till) (?:{POSS} )?{EVENT}"
             r"(?: (?:term|holidays|hols|half - term|half term))?"),
        (BY, r"(?:by|before) half (?:- )?term"),
        ("in|during|by|for",
         r"(?:in|during|by|for) (?:the|this|next) {SEASON} (?:- )?(?:term|half(?: - )?term)"),
        ("this|next", r"(?:this|next) (?:term|half term|academic year|school year|year|yr)"),
        # by the February half term, by Feb half term, by the summer hols
        (BY, r"(?:by|before) (?:the )?{MONTH} (?:half (?:- )?term|half|hols|holidays)"),
        ("over|across|throughout|for",
         r"(?:over|across|throughout|for) the (?:whole )?{SEASON} "
         r"(?:- )?(?:term|half(?: - )?term)"),
    ],
    # within six weeks, in the next 12 months, over the coming year, in 3 months ' time
    "within": [
        ("within|in|over|during|after",
         r"(?:within|in|over|during|after) (?:(?:the|a|an) )?"
         r"(?:(?:next|coming|first|following) )?(?:{NUM} )?{TIME_UNIT}(?: ' time| 's time)?"),
        ("within", r"within (?:{POSS} )?(?:term|year|plan|review period)"),
        ("in|within|over", r"(?:in|within|over) (?:the next )?\d+ ?(?:wks|mths|yrs)"),
        ("within|over|during",
         r"(?:within|over|during) the (?:life|lifetime|course|duration) of (?:this|the|his|her)"
         r" (?:plan|ehcp|ehc plan|placement|course|programme)"),
    ],
    # by Year 9, by KS3, by age 16, by her 19th birthday, before she leaves school
    "school_year_or_age": [
        (BY, r"(?:by|before) (?:year|yr|age|key stage|the age of) \d+"),
        (BY, r"(?:by|before) (?:ks|y|yr) ?\d{{1,2}}"),
        (BY, r"(?:by|before) (?:(?:his|her|their|my|your) )?(?:{ORD}|\d+ (?:st|nd|rd|th))"
             r" birthday"),
        (BY, r"(?:before|by|until) (?:the|this|his|her|their|my) (?:ehc )?(?:plan|placement"
             r"|course|programme|internship) (?:ends|finishes|ceases|is reviewed)"),
        (BY, r"(?:before|by) (?:leaving|transferring|moving|starting|finishing|transition)"),
        (BY, r"(?:by|before) the time (?:{TOKEN} )?(?:leave|leaves|move|moves|start|starts"
             r"|finish|finishes|transfer|transfers|go|goes|turn|turns)"),
        ("at|on", r"(?:at|on) (?:transition|transfer) to "
                  r"(?:secondary|college|year|adult|post - 16|sixth)"),
    ],
    # by the next annual review, at the annual review
    "review": [
        ("by|at|before|for",
         r"(?:by|at|before|for) (?:the|his|her|their|my) (?:(?:next|first|following|phase"
         r"|year|annual|interim|discharge|-) )*(?:review|reviews|ehcp review)"),
        ("by|at|before", r"(?:by|at|before) next (?:annual )?review"),
        ("by|at|before", r"(?:by|at|before) (?:annual|interim) review"),
    ],
}

MEASURE: dict[str, list[Pattern]] = {
    "ratio": [(r"\d\S*", r"\d+ ?/ ?\d+"), ("{NUM}", r"{NUM} (?:out of|in) {NUM}")],
    "percent": [(r"\d\S*", r"\d+(?:\.\d+)? ?(?:%|percent|per cent)")],
    # at least twice a week, on three consecutive days, 4 times in a lesson
    "frequency_target": [
        ("at|no|up", r"(?:at least|no more than|no fewer than|no less than|up to|at most) "
                     r"(?:{NUM}|once|twice)"),
        ("{NUM}", r"{NUM} (?:times|occasions|consecutive|successive)"),
        ("once|twice|thrice", r"(?:once|twice|thrice)"),
        ("on|in|over|for", r"(?:on|in|over|for) {NUM} "
                           r"(?:consecutive|separate|different|successive)(?: {TOKEN})?"),
        ("every|each",
         r"(?:every|each) (?:day|morning|lesson|session|week|break|lunchtime|time)"),
    ],
    "duration": [
        ("for|lasting|within",
         r"(?:for|lasting|within) (?:(?:up to|at least) )?{NUM} ?(?:- )?{CLOCK_UNIT}"),
        ("for", r"for (?:a|the|one) (?:whole|full|entire) "
                r"(?:lesson|session|day|morning|afternoon|assembly)"),
    ],
    "count": [
        ("{NUM}", r"(?:\d+|" + _alt(NUMBER_WORDS[1:13])[3:]
         + r" (?!(?:times|out|in|of|per|to|and|or|x|consecutive|minutes?|mins?|hours?|hrs?"
           r"|days?|weeks?|months?|terms?|years?)(?: |$))[a-z][a-z-]*"),
    ],
    "independence": [
        phrases(["independently", "unaided", "unprompted", "unassisted", "by himself",
                 "by herself", "by themselves", "by myself", "on his own", "on her own",
                 "on their own", "on my own", "on your own"]),
        ("without|with",
         r"(?:without(?: any)?|with no(?: more than {NUM}| further)?|with (?:only )?(?:one|1"
         r"|a single|minimal|fewer than {NUM}))(?: (?:adult|verbal|physical|staff|visual))*"
         r" (?:prompts?|prompting|support|help|reminders?|assistance|intervention)"),
    ],
    "level": [
        phrases(["standardised score", "standard score", "reading age", "spelling age",
                 "age related expectations", "age-related expectations", "age expected",
                 "age-expected", "age appropriate", "age-appropriate", "early learning goal",
                 "early learning goals", "entry level", "gcse", "gcses", "btec", "nvq", "sats",
                 "bpvs", "celf", "boxall", "sdq", "wiat", "rcads", "goal attainment", "tally",
                 "log", "checklist", "baseline", "rating scale", "observation",
                 "observations", "recorded", "measured", "evidenced", "assessed"]),
        ("level|phase|grade|band|step|score", r"(?:level|phase|grade|band|step|score) \d+"),
        ("from", r"from {NUM} to {NUM}"),
    ],
}

PROVISION: dict[str, list[Pattern]] = {
    "frequency": [
        phrases(["daily", "weekly", "fortnightly", "monthly", "termly", "annually", "yearly",
                 "wkly", "biweekly", "half-termly", "twice-weekly", "pw", "p/w"]),
        ("per|a|each|every|/|an",
         r"(?:per|a|each|every|/|an) (?:day|week|wk|term|month|year|annum|session|fortnight"
         r"|morning|afternoon|lesson|lunchtime|break|evening|weekend|half term|school day)"),
        (r"\d\S*|{NUM}", r"{NUM} ?(?:x|times|sessions|visits|days)"),
        (r"x\d*", r"x ?\d+"),
        ("once|twice", r"(?:once|twice) (?:a|per|each|every|weekly|daily|termly)"),
        ("every", r"every (?:{NUM} )?(?:days?|weeks?|terms?|months?)"),
    ],
    "duration": [
        (r"\d\S*|{NUM}", r"{NUM} ?(?:- )?{CLOCK_UNIT}"),
        ("{NUM}", r"{NUM} (?:- )?(?:weeks?|sessions?)"),
        phrases(["half an hour", "half hour", "full day", "whole day", "full-day",
                 "full-time", "full time", "part-time", "part time"]),
        ("block|course|programme",
         r"(?:block|course|programme) of {NUM} (?:sessions|weeks|lessons|visits)"),
    ],
    "group_size": [
        (r"\d\S*", r"\d ?: ?\d"),
        phrases(["one-to-one", "one to one", "1 to 1", "individual", "individually",
                 "small group", "small groups", "small-group", "paired", "pair", "pairs",
                 "group of", "groups of", "whole class"]),
    ],
    "provider": [phrases(PROVIDERS)],
}

VAGUE: dict[str, list[Pattern]] = {
    # hedges that leave provision unquantified
    "hedge": [phrases([
        "access to", "have access", "opportunity to", "opportunities to", "opportunity for",
        "opportunities for", "as needed", "as required", "as appropriate", "as necessary",
        "as and when", "when needed", "when required", "when appropriate", "when necessary",
        "where possible", "where appropriate", "where necessary", "if needed", "if required",
        "if necessary", "regular", "regularly", "ongoing", "on-going", "support with",
        "support for", "help with", "some", "various", "a range of", "appropriate",
        "suitable", "encourage", "encouraged", "encouragement", "continue to", "consider",
        "promote", "at times", "periodic", "periodically", "flexible", "available",
        "as directed", "as advised", "as identified", "as assessed", "as agreed",
        "from time to time", "access", "support", "input", "monitor", "monitored",
        "advice", "strategies", "where needed", "when she needs", "when he needs",
        "when they need", "if he needs", "if she needs", "as part of",
    ])],
    # broad aims that leave an outcome unspecific or unmeasurable
    "broad_aim": [phrases([
        "improve", "improves", "improved", "improving", "improvement", "develop", "develops",
        "developing", "development", "be more", "become more", "feel more", "more confident",
        "confidence", "increase", "increased", "enhance", "progress", "make progress",
        "better", "happier", "happy", "understand", "understanding", "awareness", "aware",
        "work towards", "gain", "build", "continue", "maintain", "manage", "managing",
        "engage", "engaged", "engagement", "feel", "enjoy", "skills", "independence",
        "more independent", "be independent", "reach potential", "fulfil", "positive",
        "appropriate behaviour", "appropriately", "generally", "overall", "wellbeing",
        "well-being", "settled", "calmer", "be able to cope", "cope",
    ])],
}

#: The hedges of data/ANNOTATION.md that leave provision not specified whatever numbers it
#: has (data/ANNOTATION.md, "Specified"): a family of their own, apart from the broad
#: vague-wording lists.
HEDGE: dict[str, list[Pattern]] = {
    "discretion": [phrases([
        "as required", "as appropriate", "as needed", "as necessary", "as and when",
        "when needed", "when required", "when appropriate", "when necessary", "if needed",
        "if required", "if necessary", "if available", "if possible", "where possible",
        "where appropriate", "where necessary", "where available", "when available",
        "when he needs", "when she needs", "when they need", "if he needs", "if she needs",
        "at the discretion of", "at the school's discretion", "or equivalent", "or similar",
        "would benefit from", "might benefit from", "could benefit from", "opportunities to",
        "opportunities for", "opportunity to", "opportunity for", "access to", "regular",
        "regularly", "as agreed", "to be considered", "should be considered", "if he wishes",
        "if she wishes", "when time allows", "if time allows", "capacity allowing",
    ])],
    "approximate": [("about|around|roughly|approximately|approx|approx\\.",
                     r"(?:about|around|roughly|approximately|approx\.?) (?:{NUM}|an?|half)")],
    "up_to": [("up", r"up to (?:{NUM}|an?|one) (?:- )?(?:{CLOCK_UNIT}|{TIME_UNIT}|sessions?"
                     r"|times|visits|hours?|days?|mornings?|afternoons?|x)")],
}

ABSOLUTE: dict[str, list[Pattern]] = {
    "absolute": [phrases([
        "always", "never", "at all times", "all the time", "100 %", "100 per cent",
        "100 percent", "without exception", "without fail", "zero", "completely",
        "perfectly", "perfect", "full attendance", "every single", "no longer",
        "any more", "anymore", "no incidents", "no meltdowns", "no seizures",
        "no exclusions", "no accidents", "all of his", "all of her", "all of their",
        "all lessons", "all his", "all her", "all their", "all situations", "every lesson",
        "every time", "totally", "entirely", "fully independent", "none of", "not at all",
        "under any circumstances", "every occasion", "all subjects", "eliminate",
        "eliminated", "no further",
    ])],
}

_CHILD_VERBS = (r"(?:will|to|'ll|can|is|has|needs|wants|would|should|may|must|finds|struggles"
                r"|likes|loves|enjoys|hopes|requires|receives|attends)")
#: Capitalised words that open a sentence but are not a child's name.
_NOT_NAMES = ("Access|Support|Provide|Provision|Staff|School|Parents|Adults|All|Each|Every"
              "|Daily|Weekly|By|To|In|When|With|At|On|For|Over|Within|During|This|It|There"
              "|If|As|Once|After|Before|From|We|Our|His|Her|Their|He|She|They|The|A|An"
              "|Long|Short|Step|Outcome|Opportunities|Regular|Use|Time|Continue|Encourage"
              "|Teaching|Training|Termly|Ongoing|Small|Individual|Specialist|Help|Work"
              "|Practise|Practice|Develop|Improve|Be|Have|Make|Attend|Receive|Need|Needs")
PERSPECTIVE: dict[str, list[Pattern]] = {
    "first_person": [phrases(["i", "me", "my", "myself", "mine", "i 'm", "i 've", "i 'd",
                              "i 'll"])],
    "service": [
        (_alt([w.split()[0] for w in SERVICE_WORDS]),
         r"{SERVICE} (?:will|to|should|must|shall|are to|is to|can|'ll)"),
        ("will|to", r"(?:will|to) (?:ensure|see|report|observe|notice|monitor|provide|arrange"
                    r"|secure|reduce|deliver|commission)"),
    ],
    "child": [
        (_alt([w.split()[0] for w in CHILD_WORDS]), r"{CHILD} " + _CHILD_VERBS),
        (r"(?-i:[A-Z])\S*", r"{START}(?!(?:" + _NOT_NAMES + r") )(?-i:[A-Z][a-z]+"
                        r"(?:[-'][A-Za-z]+)?) " + _CHILD_VERBS),
    ],
}

MODALITY: dict[str, list[Pattern]] = {
    "will": [phrases(["will", "'ll", "shall", "is going to", "are going to"])],
    "should": [phrases(["should", "must", "ought to", "needs to", "need to", "has to",
                        "have to"])],
    "may": [phrases(["might", "could", "would", "hopefully", "possibly", "try to",
                     "attempt to"]),
            ("(?-i:may)", "(?-i:may)")],  # lower case only: "in May" is a month
    "able_to": [phrases(["able to", "be able to", "to be able to", "can"])],
}

MARKERS: dict[str, list[Pattern]] = {
    "need": [phrases([
        "struggles", "struggle", "struggling", "difficulty", "difficulties", "diagnosis",
        "diagnosed", "finds it hard", "finds it difficult", "find it hard", "find it difficult",
        "finds it tricky", "has a history", "needs support", "needs help", "needs adult",
        "needs an adult", "needs reminders", "needs prompting", "needs prompts",
        "needs to be", "requires support", "requires adult", "requires help", "requires",
        "is working at", "working below", "is working below", "delay", "delayed",
        "impairment", "unable", "cannot", "can't", "can not", "does not yet", "is not yet",
        "not yet", "limited", "below", "tends to", "becomes anxious", "becomes distressed",
        "becomes dysregulated", "at risk", "presents with", "experiences", "currently",
        "is unable", "has", "finds", "barrier", "barriers", "low", "poor", "weak",
        "significant", "severe", "moderate", "profound", "mild", "avoids", "refuses",
        "has been", "was", "assessment indicates", "reports that", "is described",
    ])],
    "aspiration": [phrases([
        "want", "wants", "wanted", "would like", "'d like", "would love", "'d love", "hope",
        "hopes", "hoping", "dream", "dreams", "wish", "wishes", "aspire", "aspires",
        "aspiration", "aspirations", "when i grow up", "when i'm older", "when i am older",
        "in the future", "one day", "like", "likes", "love", "loves", "enjoy", "enjoys",
        "important to me", "important to him", "important to her", "my favourite",
        "favourite", "good at", "proud", "we hope", "our hope", "we want", "ambition",
        "interested in", "passion", "keen", "looking forward",
    ])],
    "provision_verb": [phrases([
        "receive", "receives", "receiving", "attend", "attends", "have access",
        "be given", "be provided", "provided", "provide", "will be supported",
        "be supported by", "delivered by", "delivered", "led by", "session", "sessions",
        "programme", "intervention", "interventions", "allocated", "funding", "funded",
        "equipment", "training", "support from", "reviewed", "secure", "arrange",
        "specialist", "therapy", "package", "placement", "short breaks", "direct payment",
        "personal budget", "referral", "liaise", "liaison", "will be offered",
        "will be taught", "teaching", "to be provided", "overseen", "implemented",
        "set by", "modelled", "differentiated", "resources", "timetabled",
    ])],
}

#: Every evidence family, in the order the pipeline adds its component.
FAMILIES: dict[str, dict[str, list[Pattern]]] = {
    "time_frame": TIME_FRAME,
    "measure": MEASURE,
    "provision": PROVISION,
    "vague": VAGUE,
    "hedge": HEDGE,
    "absolute": ABSOLUTE,
    "perspective": PERSPECTIVE,
    "modality": MODALITY,
    "markers": MARKERS,
}
