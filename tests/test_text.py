from __future__ import annotations

import random

from valuegap_tui.text import editable, has_unsafe, one_line, restore_controls, visible

HOSTILE = "a\x1b[31mred\x1b[0m\x07b\x00c\rd\x7fe\x85f\x9bg\u202eh\u2028i\n\tj [bold]k[/]"


def test_visible_leaves_no_control_character():
    shown = visible(HOSTILE)
    assert not has_unsafe(shown)
    assert all(ch in "\n\t" or (0x20 <= ord(ch) < 0x7F) or ord(ch) > 0x9F for ch in shown)
    assert "a\u241b[31mred\u241b[0m\u2407b\u2400c\u240dd\u2421e\\x85f\\x9bg\\u202eh\\u2028i\n\tj [bold]k[/]" == shown


def test_plain_text_and_markup_pass_unchanged():
    text = "You must choose.\n\tÉtat, 東京, [red]not markup[/red] ␛ stays"
    assert visible(text) == text
    assert restore_controls(text, text) == text


def test_one_line_has_no_line_breaks():
    assert one_line("a\nb\tc\r\nd\x1b") == "a b c d\u241b"


def test_untouched_edit_gives_back_the_original_exactly():
    assert restore_controls(HOSTILE, editable(HOSTILE)) == HOSTILE


def test_edit_elsewhere_keeps_the_control_characters():
    edited = editable(HOSTILE).replace("red", "blue").replace("j [bold]", "J [bold]") + " more"
    restored = restore_controls(HOSTILE, edited)
    assert restored == HOSTILE.replace("red", "blue").replace("j [bold]", "J [bold]") + " more"
    assert editable(restored) == edited


def test_typed_stand_ins_stay_literal():
    # A person typing ␛ (or \x9b) in the editor gets those visible characters, never a control.
    restored = restore_controls("plain", "plain \u241b \\x9b")
    assert restored == "plain \u241b \\x9b"
    assert not has_unsafe(restored)


def test_a_cut_stand_in_stays_visible():
    original = "a\x9bb"
    edited = editable(original).replace("x9", "")  # "a\\bb": the escape was partly deleted
    restored = restore_controls(original, edited)
    assert restored == edited and not has_unsafe(restored)


def test_random_edits_round_trip_through_the_editor():
    rng = random.Random(7)
    alphabet = "ab \n\t\x1b\x07\x85\u202e\u241b"
    for _ in range(300):
        original = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        shown = list(editable(original))
        for _ in range(rng.randint(0, 3)):
            at = rng.randint(0, len(shown))
            shown[at:at + rng.randint(0, 2)] = rng.choice(["", "x", "yz"])
        edited = "".join(shown)
        restored = restore_controls(original, edited)
        assert editable(restored) == edited  # what was seen is what is stored
