"""Properties of the resolver (hypothesis): whatever the vault and the link."""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from vaultkit.resolve import Resolver

NAMES = st.sampled_from(["Note", "note", "Äpfel", "v1.2", "Plan B", "img.png", "x"])
FOLDERS = st.sampled_from(["", "a/", "b/", "a/b/", "bb/", "Äb/"])
PATHS = st.builds(lambda f, n: f + (n if "." in n and n != "v1.2" else n + ".md"),
                  FOLDERS, NAMES)
VAULTS = st.lists(PATHS, min_size=1, max_size=8, unique_by=lambda p: p.lower())
LINKS = st.one_of(
    NAMES, st.builds(lambda f, n: f + n, FOLDERS, NAMES),
    st.builds(lambda f, n: "../" + f + n, FOLDERS, NAMES),
    st.builds(lambda f, n: "/" + f + n, FOLDERS, NAMES),
    st.builds(lambda f, n: "./" + n, FOLDERS, NAMES),
)


@settings(max_examples=300, deadline=None)
@given(VAULTS, LINKS, st.data())
def test_resolved_paths_are_vault_files_and_order_does_not_matter(
        files: list[str], link: str, data: st.DataObject) -> None:
    source = data.draw(st.sampled_from(files))
    found = Resolver(files).resolve(link, source)
    assert found is None or found in files
    shuffled = data.draw(st.permutations(files))
    assert Resolver(shuffled).resolve(link, source) == found


@settings(max_examples=300, deadline=None)
@given(VAULTS, LINKS, st.data())
def test_case_of_the_link_does_not_matter(files: list[str], link: str,
                                          data: st.DataObject) -> None:
    source = data.draw(st.sampled_from(files))
    r = Resolver(files)
    assert r.resolve(link.upper(), source) == r.resolve(link, source) == r.resolve(
        link.lower(), source)


@settings(max_examples=300, deadline=None)
@given(VAULTS, LINKS, st.data())
def test_unicode_normal_form_does_not_matter(files: list[str], link: str,
                                             data: st.DataObject) -> None:
    source = data.draw(st.sampled_from(files))
    r = Resolver(files)
    nfd = Resolver([unicodedata.normalize("NFD", f) for f in files])
    expected = r.resolve(unicodedata.normalize("NFC", link), source)
    assert r.resolve(unicodedata.normalize("NFD", link), source) == expected
    got = nfd.resolve(link, unicodedata.normalize("NFD", source))
    assert (got and unicodedata.normalize("NFC", got)) == expected
