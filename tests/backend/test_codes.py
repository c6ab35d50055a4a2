"""Access codes a child can type beside a reference, and tell apart from the words around it."""

from __future__ import annotations

from backend.codes import ALPHABET, new_access_code


def test_every_code_has_six_characters_of_the_alphabet_with_a_digit_and_a_letter() -> None:
    # Issue 10: an all-letter code ("can u check cmp-3g99-vw abcdef pls") was not recognised
    # beside a reference, so about one complaint in seven could not be checked in one message.
    codes = [new_access_code() for _ in range(3000)]

    assert all(len(c) == 6 and set(c) <= set(ALPHABET) for c in codes)
    assert all(any(ch.isdigit() for ch in c) and any(ch.isalpha() for ch in c) for c in codes)
    assert len(set(codes)) > 2990  # still random
