"""PDFs and Word files made at test time: wrapped paragraphs, running heads, ruled tables, scanned pages."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

FONT = "STSong-Light"  # one of reportlab's built-in CID fonts: Chinese text without a font file
HEADER = "某某区国民经济和社会发展第十四个五年规划纲要"
NOTO_CJK = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")  # Debian's fonts-noto-cjk

INDICATORS = (  # a made-up 主要指标 table (never in data/plans)
    ("指标", "单位", "2020年", "2025年目标", "属性"),
    ("地区生产总值", "亿元", "386.31", "550", "预期性"),
    ("森林覆盖率", "%", "69.1", "69", "约束性"),
    ("单位GDP能耗降低", "%", "", "14", "约束性"),
)


def paragraph(n: int) -> str:
    """A long paragraph that wraps over several lines, numbered so each is different."""
    return (
        f"到2025年，第{n}项任务的地区生产总值达到{500 + n}亿元，年均增长6.5%左右，城乡居民人均可支配收入"
        "与经济增长基本同步，生态环境质量持续改善，森林覆盖率保持在69%以上，PM2.5年均浓度控制在每立方米"
        "25微克以内，Greater Bay Area cooperation deepens steadily。"
    )


def plan_pdf(
    path: Path,
    paragraphs: Sequence[str],
    *,
    table: Sequence[Sequence[str]] = (),
    caption: str = "",
    header: str = HEADER,
) -> None:
    """A PDF: a heading, wrapping paragraphs, a running head, '- n -' page numbers, a ruled table."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    style = ParagraphStyle("body", fontName=FONT, fontSize=11, leading=16, wordWrap="CJK")

    def running(canvas: object, doc: object) -> None:
        canvas.saveState()  # type: ignore[attr-defined]
        canvas.setFont(FONT, 9)  # type: ignore[attr-defined]
        if header:
            canvas.drawString(72, A4[1] - 40, header)  # type: ignore[attr-defined]
        canvas.drawCentredString(A4[0] / 2, 30, f"- {doc.page} -")  # type: ignore[attr-defined]
        canvas.restoreState()  # type: ignore[attr-defined]

    story: list[object] = [Paragraph("第一章 总体要求", style)]
    story += [Paragraph(text, style) for text in paragraphs]
    if table:
        ruled = Table([list(row) for row in table])
        ruled.setStyle(
            TableStyle([("FONT", (0, 0), (-1, -1), FONT), ("GRID", (0, 0), (-1, -1), 0.5, colors.black)])
        )
        story += [Paragraph(caption, style), ruled] if caption else [ruled]
    story.append(Paragraph("第二章 发展环境", style))
    SimpleDocTemplate(str(path), pagesize=A4).build(story, onFirstPage=running, onLaterPages=running)


def spaced_pdf(path: Path, text: str, char_space: float) -> None:
    """One line of text drawn with extra space after every character."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen.canvas import Canvas

    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    canvas = Canvas(str(path), pagesize=A4)
    line = canvas.beginText(72, A4[1] - 100)
    line.setFont(FONT, 12)
    line.setCharSpace(char_space)
    line.textLine(text)
    canvas.drawText(line)
    canvas.save()


def scanned_pdf(path: Path, lines: Sequence[str]) -> None:
    """A PDF whose one page is a picture of these lines: no text layer."""
    from PIL import Image, ImageDraw, ImageFont
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen.canvas import Canvas

    image = Image.new("L", (2480, 3508), 255)  # A4 at 300 dpi
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(NOTO_CJK), 56)
    for i, text in enumerate(lines):
        draw.text((240, 300 + i * 110), text, font=font, fill=0)
    canvas = Canvas(str(path), pagesize=A4)
    canvas.drawImage(ImageReader(image), 0, 0, width=A4[0], height=A4[1])
    canvas.save()
