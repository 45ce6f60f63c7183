"""《跨省异地就医登记备案表》 as PDF: one copy for the agency, one for the applicant.

Chinese text uses ReportLab's built-in Adobe CID font STSong-Light (Adobe-GB1),
so no font file ships with the app; every PDF reader with Asian font support
(Adobe Reader, pdf.js, poppler with poppler-data) renders it. Keep to GB 2312
characters in this file: "·" (U+00B7), for one, has no glyph there.
"""

from __future__ import annotations

import io

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

from filings.filed_by import filed_by_text
from filings.models import Filing

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def filing_rows(filing: Filing) -> list[tuple[str, str]]:
    person = filing.person
    scheme = ""
    if person is not None and person.scheme:
        scheme = person.get_scheme_display()
        if person.member_status:
            scheme += f"（{person.get_member_status_display()}）"
    return [
        (_("备案编号"), filing.reference),
        (_("参保人"), f"{filing.person_name}　{filing.masked_id_number}"),
        (_("参保地"), str(filing.insured_region)),
        (_("险种"), scheme or "—"),
        (_("备案类型（事由）"), f"{filing.get_group_display()}（{filing.get_category_display()}）"),
        (_("备案地（就医地）"), filing.destination.full_name),
        (_("有效期"), filing.validity_label()),
        (_("状态"), filing.state_label()),
        (_("备案渠道"), filing.get_channel_display()),
        (_("办理人"), filed_by_text(filing, with_relationship=True)),
        (_("提交时间"), f"{timezone.localtime(filing.submitted_at):%Y-%m-%d %H:%M}"),
    ]


def _copy(canvas: Canvas, filing: Filing, verify_url: str, copy_label: str) -> None:
    width, height = A4
    left, top = 20 * mm, height - 20 * mm
    canvas.setFont(FONT, 18)
    canvas.drawCentredString(width / 2, top, _("跨省异地就医登记备案表"))
    canvas.setFont(FONT, 11)
    canvas.drawCentredString(width / 2, top - 8 * mm, copy_label)

    qr = QrCodeWidget(verify_url)
    x1, y1, x2, y2 = qr.getBounds()
    size = 32 * mm
    drawing = Drawing(size, size, transform=[size / (x2 - x1), 0, 0, size / (y2 - y1), 0, 0])
    drawing.add(qr)
    renderPDF.draw(drawing, canvas, width - left - size, top - 46 * mm)
    canvas.setFont(FONT, 8)
    canvas.drawRightString(width - left, top - 50 * mm, _("扫码核验"))

    y = top - 22 * mm
    row_height = 10 * mm
    label_width = 42 * mm
    table_width = width - 2 * left - 38 * mm
    for label, value in filing_rows(filing):
        row_width = table_width if y > top - 56 * mm else width - 2 * left
        canvas.rect(left, y - row_height, label_width, row_height)
        canvas.rect(left + label_width, y - row_height, row_width - label_width, row_height)
        canvas.setFont(FONT, 11)
        canvas.drawString(left + 3 * mm, y - 6.5 * mm, label)
        canvas.drawString(left + label_width + 3 * mm, y - 6.5 * mm, value)
        y -= row_height

    y -= 8 * mm
    canvas.setFont(FONT, 10)
    notes = [
        _("1. 住院：在备案地所有跨省联网定点医疗机构可直接结算；门诊按参保地规定执行。"),
        _("2. 入院登记和出院结算时，请出示社会保障卡或医保电子凭证，并说明是跨省异地就医。"),
        _(
            "3. 有效期内入院的，出院在有效期之后也可直接结算。"
            "变更或取消请通过本平台或参保地经办机构办理。"
        ),
        _("4. 核验地址：") + verify_url,
    ]
    for line in notes:
        canvas.drawString(left, y, line)
        y -= 6 * mm

    y -= 10 * mm
    canvas.drawString(left, y, _("参保人（签字）：________________"))
    canvas.drawString(width / 2, y, _("经办机构（盖章）：________________"))
    canvas.setFont(FONT, 8)
    canvas.drawString(left, 12 * mm, _("依据医保发〔2022〕22号　全国医保服务热线 12393"))


def render_filing_pdf(filing: Filing, verify_url: str) -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1)
    canvas.setTitle(f"{_('跨省异地就医登记备案表')} {filing.reference}")
    canvas.setAuthor(str(filing.insured_region.agency_name))
    for label in (_("第一联 经办机构留存"), _("第二联 参保人留存")):
        _copy(canvas, filing, verify_url, label)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()
