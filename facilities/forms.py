from __future__ import annotations

import html
import time
from collections.abc import Collection, Hashable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from facilities.models import LEVEL_FILTERS, FacilityKind, Service
from facilities.search import QUERY_MAX_LENGTH, normalise_query
from facilities.services import Criteria
from portal.models import Region, RegionLevel


class FastSelect(forms.Select):
    """A <select> written out in Python from `option_list` (no choice
    normalisation, no template per option). The city selects hold some 370
    options each: through the template engine they cost ~100 ms a page. With
    `cache_key` set, the options' HTML is built once and reused."""

    option_list: list[Any]
    cache_key: Hashable | None

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.option_list = []
        self.cache_key = None

    def render(self, name: str, value: Any, attrs: Any = None, renderer: Any = None) -> SafeString:
        final = self.build_attrs(self.attrs, attrs)
        final["name"] = name
        body = _rendered_options.get(self.cache_key) if self.cache_key else None
        if body is None:
            body = "".join(_options_html(self.option_list or self.choices))
            if self.cache_key:
                if len(_rendered_options) > 500:
                    _rendered_options.clear()
                _rendered_options[self.cache_key] = body
        chosen = "" if value is None else html.escape(str(value))
        if chosen:
            body = body.replace(
                f'<option value="{chosen}">', f'<option value="{chosen}" selected>', 1
            )
        else:
            body = body.replace('<option value="">', '<option value="" selected>', 1)
        # Every piece is escaped in _options_html.
        return mark_safe(format_html("<select{}>", flatatt(final)) + body + "</select>")  # noqa: S308


_rendered_options: dict[Hashable, str] = {}


def _options_html(options: Any) -> Iterator[str]:
    for value, label in options:
        if isinstance(label, list | tuple):
            yield f'<optgroup label="{html.escape(str(value))}">'
            yield from _options_html(label)
            yield "</optgroup>"
        else:
            yield f'<option value="{html.escape(str(value))}">{html.escape(str(label))}</option>'


class RegionField(forms.CharField):
    """A region code from a known set (checked against `codes`, not choices)."""

    widget = FastSelect
    default_error_messages = {"invalid_choice": _("请从列表中选择。")}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, **kwargs)
        self.codes: Collection[str] = ()

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value and value not in self.codes:
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            )


SORT_RANK = "rank"
SORT_DISTANCE = "distance"
REGIONS_TTL_SECONDS = 600
_regions_memo: tuple[float, RegionChoices] | None = None


@dataclass
class RegionChoices:
    """Provinces and destination cities for the selects: one query, then kept
    in the process for ten minutes (regions are reference data; a process
    memo avoids unpickling 370 regions from a shared cache on every page)."""

    provinces: dict[str, Region]
    cities: dict[str, Region]
    cities_by_province: dict[str, list[Region]] = field(default_factory=dict)
    # Built once per province and language, then shared (read-only).
    _city_options: dict[tuple[str, str], list[tuple[str, Any]]] = field(
        default_factory=dict, repr=False
    )

    @classmethod
    def load(cls) -> RegionChoices:
        global _regions_memo
        now = time.monotonic()
        if _regions_memo is None or now - _regions_memo[0] > REGIONS_TTL_SECONDS:
            _regions_memo = (now, cls._query())
        return _regions_memo[1]

    @classmethod
    def forget(cls) -> None:
        global _regions_memo
        _regions_memo = None

    @classmethod
    def _query(cls) -> RegionChoices:
        provinces: dict[str, Region] = {}
        cities: dict[str, Region] = {}
        by_province: dict[str, list[Region]] = {}
        for region in Region.objects.order_by("code"):
            if region.level == RegionLevel.PROVINCE:
                provinces[region.code] = region
            else:
                cities[region.code] = region
                by_province.setdefault(region.parent_id or "", []).append(region)
        for city in cities.values():
            # full_name reads the parent; fill it from what is loaded already.
            if city.parent_id in provinces:
                city.parent = provinces[city.parent_id]
        return cls(provinces, cities, by_province)

    def province_options(self) -> list[tuple[str, Any]]:
        return [("", _("全部省份")), *((c, r.name) for c, r in self.provinces.items())]

    def city_options(self, province: str | None, blank: Any) -> list[tuple[str, Any]]:
        """The province's cities; without a province, every city grouped by
        province (so the form works without JavaScript)."""
        province = province if province in self.provinces else ""
        key = (province, str(blank))  # the blank label in the current language
        options = self._city_options.get(key)
        if options is None:
            options = self._city_options[key] = self._build_city_options(province, key[1])
        return options

    def _build_city_options(self, province: str, blank: str) -> list[tuple[str, Any]]:
        if province:
            return [("", blank), *((c.code, c.name) for c in self.cities_by_province[province])]
        return [
            ("", blank),
            *(
                (p.name, [(c.code, c.name) for c in self.cities_by_province.get(code, [])])
                for code, p in self.provinces.items()
            ),
        ]


class FacilitySearchForm(forms.Form):
    """The lookup's filters, read from the query string. An invalid value is
    reported next to its field and left out of the search; the rest apply."""

    q = forms.CharField(
        label=_("医院或药店名称"),
        required=False,
        max_length=QUERY_MAX_LENGTH,
        help_text=_("可以输入汉字、全拼或拼音首字母，如“协和”“xiehe”“xh”。"),
        widget=forms.TextInput(
            attrs={"type": "search", "autocomplete": "off", "enterkeyhint": "search"}
        ),
        error_messages={"max_length": _("最多输入 %(limit_value)d 个字。")},
    )
    province = RegionField(label=_("省份"))
    city = RegionField(label=_("城市"))
    kind = forms.ChoiceField(
        label=_("机构类型"),
        required=False,
        widget=FastSelect,
        choices=[("", _("全部类型")), *FacilityKind.choices],
    )
    level = forms.ChoiceField(
        label=_("医院等级"),
        required=False,
        widget=FastSelect,
        choices=[("", _("全部等级")), *LEVEL_FILTERS],
    )
    service = forms.ChoiceField(
        label=_("能直接结算的项目"),
        required=False,
        widget=FastSelect,
        choices=[("", _("不限")), *Service.choices],
        help_text=_("门诊慢特病要先在参保地办理资格认定。"),
    )
    sort = forms.ChoiceField(
        label=_("排序"),
        required=False,
        widget=FastSelect,
        choices=[(SORT_RANK, _("医院等级从高到低")), (SORT_DISTANCE, _("离得近的在前"))],
    )
    near = RegionField(
        label=_("从哪个城市算距离"),
        help_text=_("不选就用上面选的城市。距离从城市中心算起，仅供参考。"),
    )

    def __init__(self, data: Any, *, regions: RegionChoices, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.regions = regions
        for form_field in self.fields.values():
            # A search form: nothing is required, so nothing is marked 选填.
            form_field.conditional = True  # type: ignore[attr-defined]
        province = data.get("province") if data else None
        fields: dict[str, Any] = self.fields
        fields["province"].codes = regions.provinces
        fields["province"].widget.option_list = regions.province_options()
        # With htmx, a new province fetches the results and (out of band)
        # that province's cities; this select's change is not the form's.
        fields["province"].widget.attrs.update(
            {
                "hx-get": reverse("facilities:list"),
                "hx-include": "closest form",
                "hx-trigger": "change consume",
            }
        )
        # Any city is valid (one left from another province is dropped in
        # clean()); the select shows only the chosen province's.
        fields["city"].codes = regions.cities
        fields["city"].widget.option_list = regions.city_options(province, _("全部城市"))
        fields["near"].codes = regions.cities
        fields["near"].widget.option_list = regions.city_options(None, _("不选"))
        language = get_language()
        for name, key in (("province", ""), ("city", province or ""), ("near", "")):
            fields[name].widget.cache_key = (id(regions), name, key, language)
        for name in ("kind", "level", "service", "sort"):
            # Fixed choices: their labels are translated once per language.
            fields[name].widget.cache_key = (name, language)

    def clean_q(self) -> str:
        return normalise_query(self.cleaned_data["q"])

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        province, city = data.get("province"), data.get("city")
        if province and city and self.regions.cities[city].parent_id != province:
            # A city left over from the previous province (the cascade): drop it.
            data["city"] = ""
        return data

    # "Nearest first" from a city whose centre is not in the region data (a
    # few new cities): listed by level instead, and the page says why.
    unplaced_origin: Region | None = None

    def criteria(self, *, default_origin: Region | None = None) -> tuple[Criteria, bool]:
        """The search the valid fields describe, and whether "nearest first"
        was asked for but has no city to measure from. A city with no known
        centre cannot be measured from: the search is then by level, and
        `unplaced_origin` names that city."""
        self.is_valid()
        data = self.cleaned_data
        province = self.regions.provinces.get(data.get("province") or "")
        city = self.regions.cities.get(data.get("city") or "")
        origin = None
        needs_origin = False
        self.unplaced_origin = None
        if data.get("sort") == SORT_DISTANCE:
            origin = self.regions.cities.get(data.get("near") or "") or city or default_origin
            needs_origin = origin is None
            if origin is not None and (origin.latitude is None or origin.longitude is None):
                self.unplaced_origin, origin = origin, None
        criteria = Criteria(
            text=data.get("q", ""),
            province=province if city is None else city.parent,
            city=city,
            kind=data.get("kind", ""),
            level=data.get("level", ""),
            service=data.get("service", ""),
            origin=origin,
        )
        return criteria, needs_origin

    @property
    def has_more_filters(self) -> bool:
        """Whether a filter behind "更多条件" is in use (then it starts open)."""
        data = self.data or {}
        return any(data.get(name) for name in ("kind", "level", "service", "near")) or (
            data.get("sort") == SORT_DISTANCE
        )
