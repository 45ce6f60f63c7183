"""The pure text-search helpers: what a facility can be found by."""

from __future__ import annotations

from facilities import search


def test_a_name_is_found_by_characters_full_pinyin_and_initials() -> None:
    parts = search.search_parts("北京协和医院")
    assert parts == ["北京协和医院", "beijingxieheyiyuan", "bjxhyy"]


def test_aliases_are_searchable_in_pinyin_too() -> None:
    text = search.search_text_for("北京大学第三医院", ["北医三院"])
    assert "北医三院" in text and "beiyisanyuan" in text and "bysy" in text


def test_a_polyphone_is_indexed_under_both_readings() -> None:
    text = search.search_text_for("重庆市长寿区人民医院")
    assert "changshou" in text and "cqscsq" in text  # pypinyin alone says "zhangshou"


def test_queries_are_folded_to_what_the_index_holds() -> None:
    assert search.normalise_query(" Ｘ H ") == "xh"  # full-width, spaces, case
    assert search.normalise_query("协和\x00\x1b%_\\") == "协和"  # controls and LIKE wildcards
    assert len(search.normalise_query("医" * 500)) == search.QUERY_MAX_LENGTH


def test_two_character_pieces_never_straddle_a_separator() -> None:
    grams = search.grams_of("协和|xh")
    assert "和x" not in grams and "协和" in grams and "xh" in grams


def test_a_query_needs_every_two_character_piece_or_the_character_itself() -> None:
    assert set(search.query_grams("协和医院")) == {"协和", "和医", "医院"}
    assert search.query_grams("协") == ["协"]
    assert search.query_grams("") == []
