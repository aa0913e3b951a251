"""A UTF-8 file with a few lines in Windows-1252 (rows pasted in from another file): each line
is read as what it is, so no name is created as the double decoding of another ("JosÃ©")."""

from hypothesis import given
from hypothesis import strategies as st

from tests.helpers import TEMPLATE_HEADER, check_file

HEADER = ",".join(TEMPLATE_HEADER).encode() + b"\r\n"


def line(first: str, last: str, email: str, encoding: str) -> bytes:
    return f"{first},{last},3/4/1980,{email}\r\n".encode(encoding)


def names(data: bytes) -> list[tuple[str, str]]:
    result = check_file(data)
    return [(row.first_name, row.last_name) for row in result.valid_rows]


def test_utf8_lines_and_a_pasted_windows_1252_line_are_each_read_right():
    data = (
        HEADER
        + line("Jesús", "Gómez", "jesus@example.com", "utf-8")
        + line("Zoë", "Núñez", "zoe@example.com", "cp1252")
        + line("Siobhán", "O'Brien", "siobhan@example.com", "utf-8")
    )
    assert names(data) == [("Jesús", "Gómez"), ("Zoë", "Núñez"), ("Siobhán", "O'Brien")]


def test_a_bom_and_a_pasted_windows_1252_line_are_read_right_too():
    data = b"\xef\xbb\xbf" + HEADER + line("José", "Peña", "j@example.com", "cp1252")
    data += line("Renée", "Lévesque", "r@example.com", "utf-8")
    assert names(data) == [("José", "Peña"), ("Renée", "Lévesque")]


def test_a_file_all_in_windows_1252_is_still_read_as_windows_1252():
    data = HEADER + line("José", "Peña", "j@example.com", "cp1252")
    assert names(data) == [("José", "Peña")]


ACCENTED = st.text(
    alphabet=st.sampled_from("áéíóúñüçàèâêôäöëïÁÉÍÓÚÑÜÇabcdefghijklmnopqrstuvwxyz"),
    min_size=2,
    max_size=12,
).filter(lambda name: not name.isascii())


@given(first=ACCENTED, last=ACCENTED, pasted=ACCENTED)
def test_no_accented_name_is_ever_read_as_its_double_decoding(first, last, pasted):
    data = (
        HEADER
        + line(first, last, "one@example.com", "utf-8")
        + line(pasted, "Pasted", "two@example.com", "cp1252")
    )
    read = names(data)
    assert (first, last) in read  # the UTF-8 line as typed, not its mojibake
    assert (pasted, "Pasted") in read
    assert not any("Ã" in a + b or "Â" in a + b for a, b in read)
