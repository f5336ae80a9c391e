"""bot/toml_lines.py: the line of every key, through tables, dotted and quoted keys, and multi-line values."""

from bot.toml_lines import key_lines, line_of

TEXT = '''# comment
edition = 2021

[rules."lock/double-lock"]   # quoted key with a slash
severity = "note"
[ review ]
label = """a
[not-a-table]
b"""
comment_budget = 3
paths.exclude = [
  "vendor/*",   # a ] in a comment
  "x = 1",
]
"quoted.key" = 1
'literal' = { inner = 2 }
[[array.of]]
name = "x"
'''


def test_each_key_gets_the_line_it_is_written_on():
    lines = key_lines(TEXT)
    assert lines[("edition",)] == 2
    assert lines[("rules", "lock/double-lock")] == 4
    assert lines[("rules", "lock/double-lock", "severity")] == 5
    assert lines[("review",)] == 6
    assert lines[("review", "label")] == 7
    assert lines[("review", "comment_budget")] == 10
    assert lines[("review", "paths", "exclude")] == 11
    assert lines[("review", "quoted.key")] == 15
    assert lines[("array", "of", "name")] == 18


def test_text_inside_multiline_strings_and_arrays_is_not_taken_for_keys():
    lines = key_lines(TEXT)
    assert ("not-a-table",) not in lines and ("review", "x = 1") not in lines


def test_a_key_inside_an_inline_table_gets_the_line_of_the_table():
    lines = key_lines(TEXT)
    assert line_of(lines, ("review", "literal", "inner")) == 16
    assert line_of(lines, ("nowhere",)) is None


def test_broken_text_gives_the_lines_it_can_follow_and_does_not_raise():
    lines = key_lines('[a\n"unterminated = 1\nb = \'x\n= 3\n')
    assert lines[("a",)] == 1 and ("a", "unterminated = 1") not in lines
