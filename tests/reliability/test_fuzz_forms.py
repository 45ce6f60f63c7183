"""Random and hostile input to every form: never a 500, never invalid data stored.

Hypothesis posts very long strings, control characters, NUL bytes, injection
strings, lists where one value is expected, and leaves fields out, to the
registration, login and password-reset forms, each step of the filing
journey, change, cancel, the estimator's query string, the reimbursement
form, the settlement pages' query strings, the family forms (grant, child)
and act-as. After each example
every stored row is checked again with the model's own validation."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claims.forms import EstimateForm
from claims.models import Reimbursement, ReimbursementDocument
from family.models import Grant, Guardianship
from filings.models import Filing, FilingCategory, FilingDocument, FilingDraft
from portal.idnumbers import MOBILE_RE, make_id_number
from portal.models import Region, User
from portal.uploads import SIGNATURES
from tests.conftest import make_filing, make_person

pytestmark = pytest.mark.django_db
FUZZ = settings(
    max_examples=int(__import__("os").environ.get("FUZZ_EXAMPLES", "12")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)

HOSTILE = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\r\n\t\x0b\x0c\x1b[31m",
    "\u202e\u200b\ufeff",
    "'; DROP TABLE portal_user; --",
    "' OR '1'='1",
    '"><script>alert(1)</script>',
    "{{ 7|add:7 }}{% debug %}",
    "${jndi:ldap://127.0.0.1/a}",
    "../../../../etc/passwd",
    "%s%s%s%n",
    "9" * 40,
    "-1",
    "1e309",
    "NaN",
    "2026-02-30",
    "99999-12-31",
    "340102195704181240",
    "13955100001",
    "310100",
    "true",
    "张桂兰" * 40,
    "😀" * 30,
    "A" * 20_000,
]
text = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=60),
    st.text(alphabet=st.characters(max_codepoint=0x1F), max_size=20),  # control characters
)
value = st.one_of(text, st.lists(text, min_size=2, max_size=3), st.integers().map(str))


def form_data(fields: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    """Any subset of the form's fields (missing fields), hostile values, lists
    where one value is expected, and a stray extra field now and then."""
    return st.fixed_dictionaries({}, optional={**dict.fromkeys(fields, value), "unexpected": value})


CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def assert_nothing_invalid_stored() -> None:
    for user in User.objects.all():
        user.full_clean()
        assert not CONTROL.search(user.full_name + user.email), user.pk
    for filing in Filing.objects.all():
        filing.full_clean(exclude=["group"])
    for document in FilingDocument.objects.all():
        assert document.content_type in SIGNATURES
        head = document.file.open("rb").read(16)
        document.file.close()
        assert any(head.startswith(p) for p in SIGNATURES[document.content_type])
    for draft in FilingDraft.objects.all():
        assert_valid_answers(draft.data)


def assert_valid_answers(data: dict[str, Any]) -> None:
    """What the journey keeps between steps is what its forms accept."""
    allowed = {
        "category",
        "province",
        "destination",
        "start_date",
        "contact_phone",
        "referring_hospital",
        "diagnosis",
        "referral_date",
        "treating_hospital",
        "admission_date",
        "evidence",
        "consent",
    }
    assert set(data) <= allowed, data
    if "category" in data:
        assert data["category"] in FilingCategory.values
    for key in ("province", "destination"):
        if key in data:
            assert Region.objects.filter(code=data[key]).exists(), data
    for key in ("start_date", "referral_date", "admission_date"):
        if data.get(key):
            dt.date.fromisoformat(data[key])
    if "contact_phone" in data:
        assert MOBILE_RE.match(data["contact_phone"]), data
    for key in ("referring_hospital", "diagnosis", "treating_hospital"):
        if key in data:
            assert 0 < len(data[key]) <= 200 and not CONTROL.search(data[key]), data
    if "evidence" in data:
        assert data["evidence"] in ("documents", "commitment")
    if "consent" in data:
        assert data["consent"] is True


def assert_handled(response: Any) -> None:
    assert response.status_code < 500, response.status_code


# --- accounts ---------------------------------------------------------------

REGISTRATION_FIELDS = [
    "full_name",
    "id_number",
    "mobile",
    "email",
    "insured_region",
    "scheme",
    "member_status",
    "password1",
    "password2",
]


@st.composite
def almost_valid_registration(draw: st.DrawFn) -> dict[str, Any]:
    """A registration that passes the number checks, so that hostile names and
    emails reach the database if anything lets them."""
    n = draw(st.integers(min_value=0, max_value=999))
    born = dt.date(1950, 1, 1) + dt.timedelta(days=draw(st.integers(0, 20000)))
    password = "Fuzz-Pass-" + str(n) + "x"
    return {
        "full_name": draw(text),
        "id_number": make_id_number("340102", born, n),
        "mobile": f"138{draw(st.integers(0, 99_999_999)):08d}",
        "email": draw(st.one_of(st.just(""), text, st.emails())),
        "insured_region": "340100",
        "scheme": draw(st.sampled_from(["employee", "resident", "x"])),
        "member_status": draw(st.sampled_from(["working", "retired", ""])),
        "password1": password,
        "password2": password,
    }


@FUZZ
@given(data=st.one_of(form_data(REGISTRATION_FIELDS), almost_valid_registration()))
def test_registration_survives_hostile_input(data: dict[str, Any]) -> None:
    assert_handled(Client().post(reverse("register"), data))
    assert_nothing_invalid_stored()


@FUZZ
@given(data=form_data(["username", "password", "next"]))
def test_login_survives_hostile_input(data: dict[str, Any]) -> None:
    assert_handled(Client().post(reverse("login"), data))
    assert_nothing_invalid_stored()


@FUZZ
@given(data=form_data(["identifier"]))
def test_password_reset_survives_hostile_input(data: dict[str, Any]) -> None:
    assert_handled(Client().post(reverse("password_reset"), data))


# --- the filing journey -----------------------------------------------------

STEP_FIELDS = {
    "category": ["category"],
    "destination": ["province", "destination", "_refresh", "return"],
    "dates": ["start_date"],
    "details": [
        "contact_phone",
        "referring_hospital",
        "diagnosis",
        "referral_date",
        "treating_hospital",
        "admission_date",
    ],
    "evidence": ["evidence", "kind", "another"],
    "consent": ["accept"],
}
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32
upload = st.builds(
    SimpleUploadedFile,
    st.one_of(
        st.sampled_from(["permit.png", "a.pdf.exe", "../../x.png", "con.png", "x" * 300 + ".pdf"]),
        st.text(alphabet="abc.-_ 张", min_size=1, max_size=20).filter(lambda n: n.strip(". ")),
    ),
    st.one_of(st.binary(max_size=64), st.just(PNG), st.just(b"%PDF-1.4\n")),
)


@pytest.mark.parametrize(
    ("step", "category"),
    [(step, "retired") for step in STEP_FIELDS]
    + [("details", "referral"), ("details", "emergency")],
)
def test_each_journey_step_survives_hostile_input(step: str, category: str) -> None:
    person = make_person()
    client = Client()
    client.force_login(person)
    client.post(reverse("filings:step", args=["category"]), {"category": category})

    @FUZZ
    @given(data=form_data(STEP_FIELDS[step]), file=st.one_of(st.none(), upload))
    def post(data: dict[str, Any], file: SimpleUploadedFile | None) -> None:
        if file is not None and step == "evidence":
            data = {**data, "file": file}
        assert_handled(client.post(reverse("filings:step", args=[step]), data))
        assert_nothing_invalid_stored()

    post()
    assert_handled(client.get(reverse("filings:step", args=[step])))
    assert_handled(client.get(reverse("filings:check")))


@FUZZ
@given(token=st.one_of(text, st.uuids().map(str)), extra=form_data(["return"]))
def test_submitting_survives_hostile_tokens(token: str, extra: dict[str, Any]) -> None:
    person = make_person()
    client = Client()
    client.force_login(person)
    FilingDraft.objects.create(owner=person, person=person, data={"category": "other"})
    assert_handled(client.post(reverse("filings:submit"), {"token": token, **extra}))
    assert not Filing.objects.filter(person=person).exists()


def filing_for_a_fresh_person(client: Client) -> Filing:
    person = make_person()
    start = timezone.localdate() - dt.timedelta(days=200)  # past any change lock
    filing: Filing = make_filing(person, category="other", start_date=start)
    client.force_login(person)
    return filing


@FUZZ
@given(data=form_data(["province", "destination", "contact_phone", "_refresh"]))
def test_changing_a_filing_survives_hostile_input(data: dict[str, Any]) -> None:
    client = Client()
    filing = filing_for_a_fresh_person(client)
    assert_handled(client.post(reverse("filings:change", args=[filing.reference]), data))
    assert_nothing_invalid_stored()


@FUZZ
@given(data=form_data(["reason"]))
def test_cancelling_a_filing_survives_hostile_input(data: dict[str, Any]) -> None:
    client = Client()
    filing = filing_for_a_fresh_person(client)
    assert_handled(client.post(reverse("filings:cancel", args=[filing.reference]), data))
    filing.refresh_from_db()
    filing.full_clean(exclude=["group"])
    for event in filing.events.all():
        assert "\x00" not in event.note and len(event.note) <= 200


@FUZZ
@given(reference=st.one_of(text, st.just("BA" + "9" * 22)), pk=st.integers(0, 2**63 - 1))
def test_filing_urls_survive_hostile_references(reference: str, pk: int) -> None:
    client = Client()
    client.force_login(make_person())
    reference = reference.replace("/", "") or "x"
    for name in ("filings:detail", "filings:form", "filings:pdf"):
        assert_handled(client.get(reverse(name, args=[reference])))
    assert_handled(client.get(reverse("filings:document", args=[reference, pk])))
    assert_handled(client.get(reverse("verify", args=[reference])))


# --- the estimator (GET) ------------------------------------------------------


@FUZZ
@given(params=form_data([*EstimateForm.base_fields, "update_region"]))
def test_the_estimator_survives_hostile_query_strings(params: dict[str, Any]) -> None:
    client = Client()
    assert_handled(client.get(reverse("claims:estimate"), params))
    assert_handled(client.get(reverse("claims:estimate"), params, HTTP_HX_REQUEST="true"))


# --- claims, family and act-as (issue 16) ---------------------------------------

REIMBURSEMENT_FIELDS = [
    "token",
    "settlement",
    "province",
    "treatment_city",
    "facility_name",
    "facility_level",
    "care_type",
    "admission_date",
    "discharge_date",
    "reason",
    "note",
    "amount_a",
    "amount_b",
    "b_share",
    "amount_c",
    "bank_name",
    "bank_account",
    "_refresh",
    "remove",
]


def assert_no_invalid_claim_stored() -> None:
    for claim in Reimbursement.objects.all():
        claim.full_clean()
        assert not CONTROL.search(claim.facility_name + claim.note + claim.bank_name)
    for document in ReimbursementDocument.objects.all():
        assert document.content_type in SIGNATURES


@FUZZ
@given(
    data=form_data(REIMBURSEMENT_FIELDS),
    invoice=st.one_of(st.none(), upload),
    query=form_data(["settlement"]),
)
def test_the_reimbursement_form_survives_hostile_input(
    data: dict[str, Any], invoice: SimpleUploadedFile | None, query: dict[str, Any]
) -> None:
    client = Client()
    client.force_login(make_person())
    url = reverse("claims:reimbursement_new")
    assert_handled(client.get(url, query))
    files = {"invoices": invoice} if invoice is not None else {}
    assert_handled(client.post(url, {**data, **files}))
    assert_handled(client.post(url, {**data, **files}, HTTP_HX_REQUEST="true"))
    assert_nothing_invalid_stored()
    assert_no_invalid_claim_stored()


@FUZZ
@given(params=form_data(["year", "page"]), pk=st.integers(0, 2**63 - 1))
def test_the_settlement_pages_survive_hostile_query_strings(
    params: dict[str, Any], pk: int
) -> None:
    client = Client()
    client.force_login(make_person())
    assert_handled(client.get(reverse("claims:list"), params))
    assert_handled(client.get(reverse("claims:list"), params, HTTP_HX_REQUEST="true"))
    assert_handled(client.get(reverse("claims:settlement", args=[pk])))
    assert_handled(client.get(reverse("claims:reimbursements"), params))


@FUZZ
@given(year=st.one_of(text, st.integers().map(str), st.just("99999999999999999999")))
def test_the_settlement_year_survives_any_number(year: str) -> None:
    client = Client()
    client.force_login(make_person())
    assert_handled(client.get(reverse("claims:list"), {"year": year}))


GRANT_FIELDS = ["grantee_name", "grantee_id_number", "relationship", "scope", "valid_until"]


def assert_no_invalid_family_row_stored() -> None:
    for grant in Grant.objects.all():
        grant.full_clean()
    for guardianship in Guardianship.objects.all():
        guardianship.full_clean()
    assert_nothing_invalid_stored()


@FUZZ
@given(data=st.one_of(form_data(GRANT_FIELDS), st.builds(dict)))
def test_the_grant_form_survives_hostile_input(data: dict[str, Any]) -> None:
    client = Client()
    client.force_login(make_person())
    assert_handled(client.post(reverse("family:grant_new"), data))
    assert_no_invalid_family_row_stored()


@FUZZ
@given(
    data=form_data(["full_name", "id_number", "insured_region"]),
    file=st.one_of(st.none(), upload),
)
def test_the_child_form_survives_hostile_input(
    data: dict[str, Any], file: SimpleUploadedFile | None
) -> None:
    client = Client()
    client.force_login(make_person())
    files = {"household_register": file} if file is not None else {}
    assert_handled(client.post(reverse("family:child_new"), {**data, **files}))
    assert_no_invalid_family_row_stored()


@FUZZ
@given(data=form_data(["person", "next"]))
def test_acting_as_survives_hostile_input(data: dict[str, Any]) -> None:
    client = Client()
    client.force_login(make_person())
    assert_handled(client.post(reverse("family:act_as"), data))
    assert_handled(client.get(reverse("claims:list")))


@FUZZ
@given(
    chronic=form_data(["province", "region", "disease", "q", "scope"]),
    hotlines=form_data(["province", "q", "page"]),
)
def test_the_public_lookups_survive_hostile_query_strings(
    chronic: dict[str, Any], hotlines: dict[str, Any]
) -> None:
    client = Client()
    for url, params in (
        (reverse("chronic:checker"), chronic),
        (reverse("notices:hotlines"), hotlines),
        (reverse("notices:list"), hotlines),
    ):
        assert_handled(client.get(url, params))
        assert_handled(client.get(url, params, HTTP_HX_REQUEST="true"))
    client.force_login(make_person())
    assert_handled(client.get(reverse("chronic:mine"), chronic))
    assert_handled(client.get(reverse("notices:hotlines"), hotlines))
