"""Uploaded evidence lives outside the static files and is served only to those allowed."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from filings.models import Filing, FilingDocument
from portal.models import User
from tests.conftest import make_filing

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


def document_for(owner: User) -> FilingDocument:
    filing: Filing = make_filing(owner)
    return FilingDocument.objects.create(
        filing=filing,
        kind="other",
        file=SimpleUploadedFile("permit.png", PNG),
        original_name="permit.png",
        content_type="image/png",
        size=len(PNG),
    )


def test_uploads_are_stored_outside_every_static_directory(retiree: User) -> None:
    stored = Path(document_for(retiree).file.path).resolve()
    media = Path(settings.MEDIA_ROOT).resolve()
    assert stored.is_relative_to(media) and stored.read_bytes() == PNG
    static_dirs = [Path(settings.STATIC_ROOT), *map(Path, settings.STATICFILES_DIRS)]
    for static in static_dirs:
        assert not stored.is_relative_to(static.resolve())
        assert not media.is_relative_to(static.resolve())


def test_the_owner_gets_the_file_privately_and_others_do_not(
    client: Client, retiree: User, stranger: User
) -> None:
    document = document_for(retiree)
    assert document.filing is not None
    url = reverse("filings:document", args=[document.filing.reference, document.pk])
    assert client.get(url).status_code == 302  # anonymous: to the login page
    client.force_login(stranger)
    assert client.get(url).status_code == 404
    client.force_login(retiree)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PNG  # type: ignore[attr-defined]
    assert response["Content-Type"] == "image/png"
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_stored_file_has_no_public_url(client: Client, retiree: User) -> None:
    document = document_for(retiree)
    client.force_login(retiree)
    for guess in (
        f"/{document.file.name}",
        f"/media/{document.file.name}",
        f"/static/{document.file.name}",
        f"{settings.STATIC_URL}../uploads/{document.file.name}",
    ):
        assert client.get(guess, follow=True).status_code == 404, guess
