"""Evidence uploads: judged by their content, not only their name."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
SIGNATURES = {
    "application/pdf": (b"%PDF-",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
}
EXTENSIONS = {
    "application/pdf": {".pdf"},
    "image/jpeg": {".jpg", ".jpeg"},
    "image/png": {".png"},
}


def sniff(head: bytes) -> str | None:
    for content_type, prefixes in SIGNATURES.items():
        if any(head.startswith(p) for p in prefixes):
            return content_type
    return None


def check_upload(upload: UploadedFile) -> str:
    """Return the file's real content type, or raise a plain message."""
    if upload.size is None or upload.size == 0:
        raise ValidationError(_("文件是空的，请重新选择。"))
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError(
            _("文件太大（%(size).1f MB）。请上传 10 MB 以内的文件，可以拍照后压缩或分页上传。")
            % {"size": upload.size / 1024 / 1024}
        )
    upload.seek(0)
    content_type = sniff(upload.read(16))
    upload.seek(0)
    name = (upload.name or "").lower()
    if content_type is None or not any(name.endswith(e) for e in EXTENSIONS[content_type]):
        raise ValidationError(_("只能上传 PDF、JPG 或 PNG 文件，且文件内容要与扩展名一致。"))
    return content_type
