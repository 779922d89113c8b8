"""Evidence files (佐证材料): type checked from content, stored outside static/media under a generated name."""

import hashlib
import io
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from tasks.models import Evidence, ProgressReport


@dataclass(frozen=True)
class EvidenceKind:
    extension: str
    content_type: str


PDF = EvidenceKind("pdf", "application/pdf")
JPEG = EvidenceKind("jpg", "image/jpeg")
PNG = EvidenceKind("png", "image/png")
DOCX = EvidenceKind("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
XLSX = EvidenceKind("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
ALLOWED_EXTENSIONS = ("pdf", "jpg", "jpeg", "png", "docx", "xlsx")


def sniff_kind(head: bytes, read_all) -> EvidenceKind | None:
    """What the bytes are, whatever the file name says. `read_all` returns the whole content (for zips)."""
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(read_all())) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError):
            return None
        if "word/document.xml" in names:
            return DOCX
        if "xl/workbook.xml" in names:
            return XLSX
    return None


def _read_all(upload) -> bytes:
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    return data


def evidence_validate(files) -> list[EvidenceKind]:
    """Check every file before anything is saved; raise one ValidationError listing each problem."""
    errors = []
    if len(files) > settings.EVIDENCE_MAX_FILES:
        errors.append(_("At most %(count)d files per report.") % {"count": settings.EVIDENCE_MAX_FILES})
    kinds = []
    for upload in files:
        name = upload.name or ""
        if upload.size > settings.EVIDENCE_MAX_BYTES:
            errors.append(
                _("“%(name)s” is %(size)s; the limit is %(limit)s.")
                % {
                    "name": name,
                    "size": filesizeformat(upload.size),
                    "limit": filesizeformat(settings.EVIDENCE_MAX_BYTES),
                }
            )
            continue
        if upload.size == 0:
            errors.append(_("“%(name)s” is empty.") % {"name": name})
            continue
        upload.seek(0)
        head = upload.read(16)
        upload.seek(0)
        kind = sniff_kind(head, lambda upload=upload: _read_all(upload))
        if kind is None:
            errors.append(_("“%(name)s” is not a PDF, JPG, PNG, Word (.docx) or Excel (.xlsx) file.") % {"name": name})
            continue
        kinds.append(kind)
    if errors:
        raise ValidationError({"evidence": errors})
    return kinds


def _clean_name(name: str, kind: EvidenceKind) -> str:
    """The uploader's name for display, with an extension that tells the truth about the content."""
    base = Path(name.replace("\x00", "")).name[:200] or "file"
    suffix = Path(base).suffix.lower().lstrip(".")
    if suffix == kind.extension or (kind is JPEG and suffix == "jpeg"):
        return base
    return f"{Path(base).stem or 'file'}.{kind.extension}"


def evidence_store(*, report: ProgressReport, files, kinds: list[EvidenceKind], written: list[Path]) -> None:
    """Write files and rows. Paths written are appended to `written` so a caller can remove them on rollback."""
    root = Path(settings.EVIDENCE_ROOT)
    for upload, kind in zip(files, kinds, strict=True):
        stored_name = f"{uuid.uuid4().hex}.{kind.extension}"
        target = root / stored_name[:2] / stored_name
        target.parent.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        upload.seek(0)
        with open(target, "xb") as out:
            written.append(target)
            for chunk in upload.chunks():
                digest.update(chunk)
                out.write(chunk)
        Evidence.objects.create(
            report=report,
            original_name=_clean_name(upload.name or "", kind),
            stored_name=stored_name,
            content_type=kind.content_type,
            size=upload.size,
            sha256=digest.hexdigest(),
        )


def evidence_path(evidence: Evidence) -> Path:
    return Path(settings.EVIDENCE_ROOT) / evidence.stored_name[:2] / evidence.stored_name
