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


def test_latin_runs_also_get_three_letter_pieces_and_chinese_does_not() -> None:
    grams = set(search.grams_of("解放军总医院301|jiefangjunzongyiyuan301|jfjzyy301"))
    assert {"jie", "n30", "301", "zyy", "jfj"} <= grams
    assert not any(len(g) == 3 and not g.isascii() for g in grams)
    assert "1|j" not in grams and "01j" not in grams  # never across a separator


def test_a_latin_query_of_three_or_more_needs_its_three_letter_pieces() -> None:
    assert search.query_grams("xiehe") == ["ehe", "ieh", "xie"]
    assert search.query_grams("xh") == ["xh"]  # too short for three
    assert set(search.query_grams("301医院")) == {"30", "01", "1医", "医院"}


def test_every_piece_of_a_name_in_any_form_is_found_through_the_grams() -> None:
    """The index never loses a match: for every substring of every part, the
    grams the query needs are among the facility's grams."""
    for name, aliases in [
        ("中国人民解放军总医院（301医院）", ["301医院"]),
        ("重庆市长寿区人民医院", []),
        ("北京大学第三医院", ["北医三院"]),
    ]:
        text = search.search_text_for(name, aliases)
        grams = set(search.grams_of(text))
        for part in text.split(search.SEPARATOR):
            for start in range(len(part)):
                for end in range(start + 1, min(len(part), start + 12) + 1):
                    query = search.normalise_query(part[start:end])
                    assert set(search.query_grams(query)) <= grams, (name, query)


def test_a_facility_holds_its_name_pieces_and_one_piece_per_filter_value() -> None:
    _pinyin, _text, grams = search.index_values("合肥市第一人民医院")
    pieces = search.facility_pieces(
        grams,
        province="340000",
        city="340100",
        kind="general",
        levels=["3", "3a"],
        services=["inpatient", "dialysis"],
    )
    assert {"人民", "rmy", "人"} <= set(pieces)
    assert {
        "|province:340000",
        "|city:340100",
        "|kind:general",
        "|level:3",
        "|level:3a",
        "|service:inpatient",
        "|service:dialysis",
    } <= set(pieces)
    assert pieces == sorted(set(pieces))
    # No name piece looks like a filter: names never hold the separator.
    assert not any(p.startswith(search.SEPARATOR) for p in grams)


def test_a_search_reads_only_the_pieces_that_cover_the_query() -> None:
    assert search.query_grams("zhongyi", cover=True) == ["gyi", "ngy", "zho"]
    assert search.query_grams("人民医院", cover=True) == ["人民", "医院"]
    assert search.query_grams("人民医", cover=True) == ["人民", "民医"]
    assert search.query_grams("协和", cover=True) == ["协和"]
    assert search.query_grams("aaaa", cover=True) == ["aaa"]  # not the query: confirmed
    for query in ("zhongyi", "人民医院", "xh", "a", "社区卫生服务"):
        assert set(search.query_grams(query, cover=True)) <= set(search.query_grams(query))
