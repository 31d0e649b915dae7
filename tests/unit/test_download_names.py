"""A saved 公文 is named from its 文号 and title, and no name can break out of the header or the download folder."""

from __future__ import annotations

from urllib.parse import quote, unquote

from services.domain.filenames import MAX_NAME, safe_file_name
from services.http.downloads import content_disposition


def _star_name(header: str) -> str:
    return unquote(header.split("filename*=UTF-8''", 1)[1])


def test_a_chinese_name_is_sent_as_utf8_with_an_ascii_fallback() -> None:
    name = "扎民委发〔2024〕3号 关于开展民族团结进步活动的通知.pdf"
    header = content_disposition(name, inline=True, ascii_stem="gongwen-7")
    assert header.startswith('inline; filename="gongwen-7.pdf"; ')
    assert _star_name(header) == "扎民委发〔2024〕3号 关于开展民族团结进步活动的通知.pdf"
    assert header.isascii()


def test_separators_quotes_and_line_breaks_never_reach_the_name_or_the_header() -> None:
    hostile_names = (
        "../../etc/passwd.pdf",
        'a"; filename="evil.exe.pdf',
        "标题\r\nSet-Cookie: x=1.pdf",
        "C:\\x\\y.pdf",
    )
    for hostile in hostile_names:
        header = content_disposition(hostile)
        name = _star_name(header)
        assert not set(name) & set('/\\"\r\n:'), name
        assert "\r" not in header and "\n" not in header
        assert header.count('"') == 2  # only the fallback's own quotes
        assert name.endswith(".pdf") and not name.startswith(".")


def test_an_empty_or_dotted_name_falls_back_and_a_long_title_is_cut() -> None:
    assert safe_file_name(" .. ", "gongwen-3") == "gongwen-3"
    assert safe_file_name("///.pdf", "gongwen-3") == "gongwen-3.pdf"
    long = safe_file_name("关于" * 200 + ".pdf")
    assert long.endswith(".pdf") and len(long) == MAX_NAME + len(".pdf")
    assert content_disposition("报告.pdf").startswith('attachment; filename="download.pdf"')
    assert quote("报告.pdf") in content_disposition("报告.pdf")
