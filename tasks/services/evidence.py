"""Evidence files (佐证材料): type checked from content, saved under a generated name through one storage
(settings STORAGES["evidence"]: a folder outside static/media by default, or S3-compatible object storage)."""

import hashlib
import io
import uuid
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import Storage, storages
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


def evidence_storage() -> Storage:
    """The one storage evidence files are read, written and deleted through (settings STORAGES["evidence"])."""
    return storages["evidence"]


def evidence_name(evidence: Evidence) -> str:
    """The file's name in the evidence storage: a folder of the first two hex characters spreads the files."""
    return f"{evidence.stored_name[:2]}/{evidence.stored_name}"


@contextmanager
def evidence_written():
    """Around a write that stores files: yields the list that `evidence_file_save` and its callers append the
    stored names to, and deletes those files again when the write fails (a refusal, a rollback, a crash), so that
    nothing is left in the storage without its row. Progress reports and meeting records both write this way."""
    written: list[str] = []
    try:
        yield written
    except BaseException:
        storage = evidence_storage()
        for name in written:
            storage.delete(name)
        raise


def evidence_file_save(*, upload, kind: EvidenceKind, written: list[str]) -> dict:
    """Save one checked file under a generated name; return the fields of the row that records it. The name saved
    is appended to `written` so a caller can delete it on rollback. Progress reports and meeting records
    (tasks.services.orglife) keep their files this one way."""
    storage = evidence_storage()
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    generated = f"{uuid.uuid4().hex}.{kind.extension}"
    # A storage that finds the name taken saves under another one (FileSystemStorage never overwrites),
    # so the row records the name the storage returned.
    saved = storage.save(f"{generated[:2]}/{generated}", upload)
    written.append(saved)
    return {
        "original_name": _clean_name(upload.name or "", kind),
        "stored_name": PurePosixPath(saved).name,
        "content_type": kind.content_type,
        "size": upload.size,
        "sha256": digest.hexdigest(),
    }


def evidence_store(*, report: ProgressReport, files, kinds: list[EvidenceKind], written: list[str]) -> None:
    """Save files and write rows. Names saved are appended to `written` so a caller can delete them on rollback."""
    for upload, kind in zip(files, kinds, strict=True):
        Evidence.objects.create(report=report, **evidence_file_save(upload=upload, kind=kind, written=written))


def evidence_copy(*, sources, report: ProgressReport, written: list[str]) -> None:
    """Keep files of a returned report on its correction: each is copied under a new name, so that either
    report's files live and go with it alone. `written` as for `evidence_store`."""
    storage = evidence_storage()
    missing = [source.original_name for source in sources if not storage.exists(evidence_name(source))]
    if missing:
        raise ValidationError(
            {
                "keep_evidence": [
                    _("“%(name)s” of the returned report can no longer be found: choose the file again.")
                    % {"name": name}
                    for name in missing
                ]
            }
        )
    for source in sources:
        extension = PurePosixPath(source.stored_name).suffix.lstrip(".") or "bin"
        generated = f"{uuid.uuid4().hex}.{extension}"
        with storage.open(evidence_name(source), "rb") as content:
            saved = storage.save(f"{generated[:2]}/{generated}", content)
        written.append(saved)
        Evidence.objects.create(
            report=report,
            original_name=source.original_name,
            stored_name=PurePosixPath(saved).name,
            content_type=source.content_type,
            size=source.size,
            sha256=source.sha256,
        )
