"""Every evidence label, with texts it must mark (and the words it marks) and must not."""

import pytest
import spacy

from ehcp_nlp.nlp import FAMILIES, make_pipeline


@pytest.fixture(scope="module")
def nlp():
    return make_pipeline()


def marked(nlp, text, family, label):
    doc = nlp(text)
    return [s.text for s in doc.spans.get(family, []) if s.label_ == label]


# family, label, text, the span it must mark
MUST = [
    ("time_frame", "end_of_period", "By the end of Key Stage 2 she will count to 20.",
     "By the end of Key Stage 2"),
    ("time_frame", "end_of_period", "by the end of the spring term, read 3 books",
     "by the end of the spring term"),
    ("time_frame", "end_of_period", "end of KS3 - use a planner", "end of KS3"),
    ("time_frame", "date", "Zak will swim 10 metres by July 2027.", "by July 2027"),
    ("time_frame", "date", "Review on 31/07/2027.", "31/07/2027"),
    ("time_frame", "date", "in September 2026 he starts college", "in September 2026"),
    ("time_frame", "event", "She will dress herself by Christmas.", "by Christmas"),
    ("time_frame", "event", "by half term he will use his planner", "by half term"),
    ("time_frame", "event", "In the summer term Ali will lead a group.", "In the summer term"),
    ("time_frame", "within", "Within six weeks Ola will use the lift.", "Within six weeks"),
    ("time_frame", "within", "in the next 12 months I will cook", "in the next 12 months"),
    ("time_frame", "school_year_or_age", "by Year 9 he will travel alone", "by Year 9"),
    ("time_frame", "school_year_or_age", "By her 19th birthday she will bank online.",
     "By her 19th birthday"),
    ("time_frame", "school_year_or_age", "by the time she leaves school", "by the time she leaves"),
    ("time_frame", "review", "by the next annual review", "by the next annual review"),
    ("time_frame", "review", "AP to report no concerns by next review", "by next review"),
    ("time_frame", "review", "by his review next spring", "by his review"),
    ("time_frame", "event", "comfortable in uniform by Xmas", "by Xmas"),
    ("time_frame", "event", "this yr she will join a club", "this yr"),
    ("time_frame", "event", "By the February half term, Oskar will sign",
     "By the February half term"),
    ("time_frame", "event", "by the summer hols he will swim", "by the summer hols"),
    ("time_frame", "event", "going to at least 8 sessions over the spring term",
     "over the spring term"),
    ("time_frame", "end_of_period", "to cope better w change by end of yr 2", "by end of yr 2"),
    ("time_frame", "end_of_period", "touch typing 25 wpm by end KS2", "by end KS2"),
    # a time frame that ends the statement: the span must end on a token, not a space
    ("time_frame", "end_of_period", "to understand him better by end of yr", "by end of yr"),
    ("time_frame", "end_of_period", "EOY: read 40 words", "EOY"),
    ("time_frame", "within", "in 6wks she will use the lift", "in 6wks"),
    ("time_frame", "within", "within the life of this plan he will cook",
     "within the life of this plan"),
    ("time_frame", "school_year_or_age", "By 3rd birthday - wear both processors",
     "By 3rd birthday"),
    ("time_frame", "school_year_or_age", "before her EHC plan ends, Grace will go",
     "before her EHC plan ends"),
    ("hedge", "discretion", "Physio and OT as required.", "as required"),
    ("hedge", "discretion", "20 minutes of phonics daily or equivalent", "or equivalent"),
    ("hedge", "approximate", "LSA for about 6 hours a week", "about 6"),
    ("hedge", "up_to", "Up to an hour of TA support each day", "Up to an hour"),
    ("hedge", "up_to", "up to 3 sessions a week", "up to 3 sessions"),
    ("measure", "ratio", "in 4 out of 5 lessons", "4 out of 5"),
    ("measure", "ratio", "scores 8/10 on spellings", "8/10"),
    ("measure", "percent", "with 80% accuracy", "80%"),
    ("measure", "percent", "90 per cent of the time", "90 per cent"),
    ("measure", "frequency_target", "at least twice a week", "at least twice"),
    ("measure", "frequency_target", "on three consecutive days", "on three consecutive days"),
    ("measure", "duration", "stay seated for 10 minutes", "for 10 minutes"),
    ("measure", "count", "name 20 animals", "20 animals"),
    ("measure", "independence", "make a drink independently", "independently"),
    ("measure", "independence", "without adult prompts", "without adult prompts"),
    ("measure", "independence", "on her own", "on her own"),
    ("measure", "level", "a standardised score of 85", "standardised score"),
    ("provision", "frequency", "three sessions weekly", "weekly"),
    ("provision", "frequency", "3x per week", "per week"),
    ("provision", "frequency", "x3 sessions", "x3"),
    ("provision", "frequency", "twice a week", "twice a"),
    ("provision", "duration", "30 minutes with the TA", "30 minutes"),
    ("provision", "duration", "a 45-minute session", "45-minute"),
    ("provision", "duration", "20mins daily", "20mins"),
    ("provision", "group_size", "1:1 support", "1:1"),
    ("provision", "group_size", "in a small group of four", "small group"),
    ("provision", "provider", "delivered by a speech and language therapist",
     "speech and language therapist"),
    ("provision", "provider", "a trained teaching assistant", "teaching assistant"),
    ("vague", "hedge", "Access to a quiet space as needed", "Access to"),
    ("vague", "hedge", "Access to a quiet space as needed", "as needed"),
    ("vague", "hedge", "regular check-ins", "regular"),
    ("vague", "broad_aim", "Ella will improve her reading", "improve"),
    ("vague", "broad_aim", "to be more confident", "be more"),
    ("absolute", "absolute", "He will always wait his turn", "always"),
    ("absolute", "absolute", "complete 100% of homework", "100%"),
    ("absolute", "absolute", "at all times in class", "at all times"),
    ("perspective", "first_person", "I will make my own lunch", "I"),
    ("perspective", "service", "Staff will ensure she is safe", "Staff will"),
    ("perspective", "service", "School will see fewer incidents", "School will"),
    ("perspective", "child", "Amara will read a book", "Amara will"),
    ("perspective", "child", "She'll catch the bus", "She'll"),
    ("perspective", "child", "The young person will cook", "The young person will"),
    ("modality", "will", "Amara will read", "will"),
    ("modality", "should", "He should attend", "should"),
    ("modality", "may", "She may need help", "may"),
    ("modality", "able_to", "to be able to write her name", "to be able to"),
    ("markers", "need", "Kit struggles with change", "struggles"),
    ("markers", "need", "has a diagnosis of autism", "diagnosis"),
    ("markers", "need", "finds it hard to wait", "finds it hard"),
    ("markers", "aspiration", "I want to be a vet", "want"),
    ("markers", "aspiration", "She would like to live near her gran", "would like"),
    ("markers", "aspiration", "My dream is to drive", "dream"),
    ("markers", "provision_verb", "Lena will receive speech therapy", "receive"),
    ("markers", "provision_verb", "delivered by the OT", "delivered by"),
]

# family, label, text that must carry no span of that label
MUST_NOT = [
    ("hedge", "up_to", "taught in a group of up to four pupils"),
    ("hedge", "approximate", "talks about her day at nursery"),
    ("hedge", "discretion", "Three 30-minute sessions a week with the SALT."),
    ("time_frame", "end_of_period", "At the end Kai was tired of it."),
    ("time_frame", "date", "She may ask for help."),
    ("time_frame", "date", "He wants to march in the parade."),
    ("time_frame", "event", "She likes the summer and Christmas songs."),
    ("time_frame", "within", "within the classroom he is calm"),
    ("time_frame", "school_year_or_age", "He is in Year 9."),
    ("time_frame", "review", "Her review said she was happy."),
    ("measure", "ratio", "He likes 4 cats."),
    ("measure", "percent", "She answers percentages questions."),
    ("measure", "frequency_target", "He is at the least busy table."),
    ("measure", "duration", "for a while"),
    ("measure", "count", "in 3 weeks"),
    ("measure", "independence", "with adult support in class"),
    ("measure", "level", "She is on the top floor."),
    ("provision", "frequency", "She counts each apple."),
    ("provision", "duration", "He knows 30 words."),
    ("provision", "group_size", "He plays in the group."),
    ("provision", "provider", "She likes painting."),
    ("vague", "hedge", "Three 30-minute sessions a week with the SALT."),
    ("vague", "broad_aim", "By July she will read 40 words."),
    ("absolute", "absolute", "on 4 of 5 days"),
    ("perspective", "first_person", "Isla will read."),
    ("perspective", "service", "Amara will read."),
    ("perspective", "child", "Access to SALT as needed."),
    ("perspective", "child", "Support will be given."),
    ("modality", "will", "He reads."),
    ("modality", "should", "She reads well."),
    ("modality", "may", "In May he reads."),
    ("modality", "able_to", "He is unable."),
    ("markers", "need", "She will read."),
    ("markers", "aspiration", "By July he will read 20 words."),
    ("markers", "provision_verb", "I want to be a vet."),
]


@pytest.mark.parametrize("family,label,text,span", MUST)
def test_pattern_marks(nlp, family, label, text, span):
    assert span in marked(nlp, text, family, label)


@pytest.mark.parametrize("family,label,text", MUST_NOT)
def test_pattern_does_not_mark(nlp, family, label, text):
    assert marked(nlp, text, family, label) == []


def test_every_label_has_a_must_and_a_must_not_example():
    labels = {(f, label) for f, labels in FAMILIES.items() for label in labels}
    assert labels == {(f, label) for f, label, *_ in MUST}
    assert labels == {(f, label) for f, label, _ in MUST_NOT}


def test_overlaps_within_a_family_keep_the_longest(nlp):
    doc = nlp("By the end of the summer term 2027 Sam will read.")
    assert [s.text for s in doc.spans["time_frame"]] == ["By the end of the summer term 2027"]


def test_typographic_apostrophes_match(nlp):
    assert marked(nlp, "She\u2019ll read by Christmas", "perspective", "child")


def test_evidence_tuples_are_set_without_span_groups():
    nlp = make_pipeline()
    nlp.get_pipe("ehcp_evidence").write_spans = False
    doc = nlp("By July Amara will read 40 words.")
    assert not doc.spans
    assert (0, 2, "time_frame", "date") in doc._.ehcp_evidence


def test_single_family_factories_work_in_a_users_pipeline():
    nlp = spacy.blank("en")
    nlp.add_pipe("ehcp_time_frame")
    doc = nlp("We meet by the end of term.")
    assert [s.label_ for s in doc.spans["time_frame"]] == ["end_of_period"]
    assert "measure" not in doc.spans


def test_lookup_lemmatizer_agrees_with_spacys():
    ours = make_pipeline()
    theirs = spacy.blank("en")
    theirs.add_pipe("lemmatizer", config={"mode": "lookup"})
    theirs.initialize()
    text = "The children were reading books and had gone swimming twice."
    assert [t.lemma_ for t in ours(text)] == [t.lemma_ for t in theirs(text)]
