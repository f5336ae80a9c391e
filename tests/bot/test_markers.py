"""bot/markers.py: the hidden markers round-trip."""

from bot.markers import find_markers, marker


def test_marker_round_trips_kind_fingerprint_and_fields():
    text = "hello\n" + marker("review", "abc123") + "\n" + marker("review", head="f00")
    found = find_markers(text)
    assert [(m.kind, m.fingerprint, m.fields.get("head")) for m in found] == [
        ("review", "abc123", None), ("review", None, "f00")]


def test_marker_format_is_the_documented_one():
    assert marker("labels", "x1") == "<!-- blindspot:labels fp=x1 -->"


def test_text_without_markers_has_none():
    assert find_markers("<!-- something else -->") == []
    assert find_markers(None) == []
