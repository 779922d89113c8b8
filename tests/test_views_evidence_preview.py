"""Evidence previews: images and PDFs open in the browser (inline) behind the same access check as downloads,
with nosniff and a policy that lets the file do nothing but show itself; other types always download."""

import datetime as dt
import struct
import zlib

import pytest
import time_machine
from django.urls import reverse

from tasks.services import progress_report_submit
from tests.helpers import JPEG_BYTES, PDF_BYTES, office_bytes, pdf, upload

pytestmark = pytest.mark.django_db


def real_png(width=4, height=3) -> bytes:
    """A small PNG a browser can decode (red pixels)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + b"\xc8\x10\x2e" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


@pytest.fixture(autouse=True)
def _early_in_the_year():
    with time_machine.travel(dt.datetime(2023, 2, 10, 2, 0, tzinfo=dt.UTC)):
        yield


@pytest.fixture
def files(assignment_a1, secretary_a):
    report = progress_report_submit(
        assignment=assignment_a1,
        author=secretary_a,
        percent=20,
        narrative="附材料",
        files=[
            pdf("会议记录.pdf"),
            upload("现场照片.png", real_png()),
            upload("签到.jpg", JPEG_BYTES),
            upload("方案.docx", office_bytes("word/document.xml")),
        ],
    )
    return {evidence.original_name: evidence for evidence in report.evidence.all()}


@pytest.mark.parametrize(
    ("name", "content_type", "body"),
    [
        ("会议记录.pdf", "application/pdf", PDF_BYTES),
        ("现场照片.png", "image/png", None),
        ("签到.jpg", "image/jpeg", JPEG_BYTES),
    ],
)
def test_images_and_pdfs_open_inline(client, secretary_a, files, name, content_type, body):
    client.force_login(secretary_a)
    response = client.get(reverse("evidence_view", args=[files[name].pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"].startswith("inline;")
    assert response["X-Content-Type-Options"] == "nosniff"
    policy = response["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "script-src" not in policy
    assert ("sandbox" in policy) == content_type.startswith("image/")
    assert ("object-src 'self'" in policy) == (content_type == "application/pdf")
    if body is not None:
        assert b"".join(response.streaming_content) == body


def test_other_types_download_even_from_the_view_address(client, secretary_a, files):
    client.force_login(secretary_a)
    response = client.get(reverse("evidence_view", args=[files["方案.docx"].pk]))
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    download = client.get(reverse("evidence_download", args=[files["会议记录.pdf"].pk]))
    assert download["Content-Disposition"].startswith("attachment;")


def test_previews_check_access_like_downloads(client, secretary_b, committee, files):
    url = reverse("evidence_view", args=[files["现场照片.png"].pk])
    client.force_login(secretary_b)
    assert client.get(url).status_code == 404
    client.force_login(committee)
    assert client.get(url).status_code == 200
    client.logout()
    assert client.get(url).status_code == 302  # to the login page


def test_the_page_shows_thumbnails_and_preview_links(client, secretary_a, files, assignment_a1):
    client.force_login(secretary_a)
    page = client.get(assignment_a1.get_absolute_url()).content.decode()
    view = {name: reverse("evidence_view", args=[evidence.pk]) for name, evidence in files.items()}
    download = {name: reverse("evidence_download", args=[evidence.pk]) for name, evidence in files.items()}
    assert f'<img class="evidence-thumb" src="{view["现场照片.png"]}"' in page
    assert f'<img class="evidence-thumb" src="{view["签到.jpg"]}"' in page
    assert f'src="{view["会议记录.pdf"]}"' not in page  # no thumbnail for a PDF: a link that opens it
    assert f'href="{view["会议记录.pdf"]}" target="_blank"' in page
    assert f'href="{download["方案.docx"]}"' in page and view["方案.docx"] not in page
