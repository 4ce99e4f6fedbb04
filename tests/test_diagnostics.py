"""diagnostics: locations as text, the ``file:line: field: message`` line, quoting, did-you-mean."""

from __future__ import annotations

from plan2cal.diagnostics import closest, location_text, problem_line, quoted, suggest

LINES = {(): 1, ("phases",): 5, ("phases", 0): 6, ("phases", 0, "tasks", 1): 14}


def test_location_text_writes_keys_dotted_and_indexes_in_brackets() -> None:
    """("phases", 1, "tasks", 3, "hours") reads phases[1].tasks[3].hours; () reads empty."""
    assert location_text(("phases", 1, "tasks", 3, "hours")) == "phases[1].tasks[3].hours"
    assert location_text(()) == ""


def test_problem_line_uses_the_nearest_enclosing_known_line() -> None:
    """A field without a line of its own is reported at its closest enclosing field's line."""
    loc = ("phases", 0, "tasks", 1, "hours")

    assert problem_line("p.yaml", loc, "bad", LINES) == "p.yaml:14: phases[0].tasks[1].hours: bad"
    assert problem_line("p.yaml", ("title",), "required", LINES) == "p.yaml:1: title: required"
    assert problem_line("p.yaml", (), "empty", {}) == "p.yaml: plan: empty"
    assert problem_line("p.yaml", (), "x", {}, root="progress") == "p.yaml: progress: x"


def test_quoted_cuts_long_input_and_escapes_control_characters() -> None:
    """Input in a message is at most 60 characters and never carries a control character."""
    assert quoted("Europe/Berlin") == "'Europe/Berlin'"
    assert quoted("x" * 100) == "'" + "x" * 59 + "…'"
    assert quoted("a\0b\nc\x9b") == "'a\\x00b\\x0ac\\x9b'"


def test_closest_prefers_the_same_letters_then_the_most_similar() -> None:
    """Swapped letters win ("dnoe" is "done"); otherwise difflib's closest, or nothing."""
    assert closest("dnoe", ["note", "done"]) == "done"
    assert closest("hous", ["hours", "weeks"]) == "hours"
    assert closest("zzz", ["hours", "weeks"]) is None
    assert suggest("hous", ["hours"]) == "; did you mean 'hours'?"
    assert suggest("zzz", ["hours"]) == ""
