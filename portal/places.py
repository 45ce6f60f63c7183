"""Place names for the page's language: on English pages a Chinese place
name is followed by its pinyin ("上海市 Shanghai", "合肥市 Hefei"), so a
reader who cannot read the characters still knows the place, and one who can
still sees the official name."""

from __future__ import annotations

import functools
import re

from django.utils.translation import get_language
from pypinyin import lazy_pinyin

# Where plain pinyin reads a character the wrong way (长治 is Changzhi, not
# Zhangzhi) or the name has a conventional spelling (陕西 Shaanxi).
SPELLINGS = {
    "陕西": "Shaanxi",
    "内蒙古": "Inner Mongolia",
    "新疆生产建设兵团": "Xinjiang Production and Construction Corps",
    "长治": "Changzhi",
    "朝阳": "Chaoyang",
    "漯河": "Luohe",
    "昌都": "Changdu",
    "锡林郭勒": "Xilinguole",
    "阿勒泰": "Aletai",
    "克孜勒苏": "Kezilesu",
}
ETHNIC = (
    "蒙古|藏|回|维吾尔|壮|朝鲜|苗|侗|布依|彝|哈尼|傣|景颇|傈僳|白|羌|土家|哈萨克|"
    "柯尔克孜|黎|土|撒拉|纳西|瑶|仡佬|水|毛南|仫佬|达斡尔|鄂温克|鄂伦春|满|畲|锡伯|普米|怒|独龙|拉祜|佤"
)
SUFFIX = re.compile(
    rf"(?:(?:{ETHNIC})族?)*自治(?:区|州|县|旗)$|特别行政区$|林区$|地区$|新区$|省$|市$|盟$|县$"
)

# Without the ethnic names, for 西藏自治区 and 内蒙古自治区 (their names are
# ethnic names themselves).
PLAIN_SUFFIX = re.compile(r"自治区$")


def base_name(name: str) -> str:
    """ "延边朝鲜族自治州" → "延边", "合肥市" → "合肥", "西藏自治区" → "西藏"."""
    for pattern in (SUFFIX, PLAIN_SUFFIX):
        stripped = pattern.sub("", name)
        if len(stripped) >= 2:
            return stripped
    return name


@functools.cache
def pinyin(name: str) -> str:
    """ "合肥市" → "Hefei"; "陕西省" → "Shaanxi"."""
    base = base_name(name)
    if name in SPELLINGS:
        return SPELLINGS[name]
    if base in SPELLINGS:
        return SPELLINGS[base]
    syllables = lazy_pinyin(base, v_to_u=True)
    # An apostrophe before a syllable that starts with a vowel: Xi'an, Lu'an.
    word = syllables[0] + "".join(f"'{s}" if s[:1] in "aoe" else s for s in syllables[1:])
    return word.capitalize()


def is_english() -> bool:
    return (get_language() or "").startswith("en")


def place_name(name: str) -> str:
    """The name as the active language shows it."""
    if is_english():
        return f"{name} {pinyin(name)}"
    return name
