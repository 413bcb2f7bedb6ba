"""An uploaded export file → the members to read, each with its format; ZIPs checked before any is read.

A ZIP is refused (import_unsafe_archive) when it has more than IMPORT_ZIP_MAX_ENTRIES entries, an
entry larger than IMPORT_ZIP_MAX_MEMBER_BYTES uncompressed, an entry compressed more than
IMPORT_ZIP_MAX_RATIO times (a ZIP bomb), an encrypted entry, or a path that leaves the archive
(absolute, `..`). Nothing is ever extracted to disk: members are read as streams, and Python's
zipfile stops each one at its declared size. Members that are not listens (ListenBrainz's
`user.json` and feedback, Spotify's PDF) are listed with no format and not read.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import PurePosixPath
from typing import IO, Any

from django.conf import settings

from core.error_codes import ErrorCode
from core.errors import InvalidInput
from listening.import_formats import READABLE, SNIFF_BYTES, Format, detect

ZIP_MAGIC = b"PK\x03\x04"
EMPTY_ZIP_MAGIC = b"PK\x05\x06"
RATIO_FLOOR_BYTES = 64 * 1024  # smaller entries cannot hurt, whatever their ratio


class UnknownFormat(InvalidInput):
    code = ErrorCode.IMPORT_UNKNOWN_FORMAT
    default_message = f"This file is none of the formats MusicHub reads: {READABLE}."


class UnsafeArchive(InvalidInput):
    code = ErrorCode.IMPORT_UNSAFE_ARCHIVE
    default_message = "This ZIP cannot be read safely."


@dataclass(frozen=True)
class Member:
    name: str  # "" for a file that is not a ZIP
    format: str  # a Format, or "" for a member that holds no listens
    size: int  # uncompressed bytes

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _is_zip(file: IO[bytes]) -> bool:
    file.seek(0)
    magic = file.read(4)
    file.seek(0)
    return magic in (ZIP_MAGIC, EMPTY_ZIP_MAGIC)


def _unsafe_path(name: str) -> bool:
    path = PurePosixPath(name.replace("\\", "/"))
    return path.is_absolute() or ".." in path.parts or (len(name) > 1 and name[1] == ":")


def _check(archive: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    entries = archive.infolist()
    if len(entries) > settings.IMPORT_ZIP_MAX_ENTRIES:
        raise UnsafeArchive(
            f"This ZIP has {len(entries)} entries; an export has at most {settings.IMPORT_ZIP_MAX_ENTRIES}.",
            field="file",
        )
    files = []
    for info in entries:
        if _unsafe_path(info.filename):
            raise UnsafeArchive(f"The ZIP entry {info.filename!r} points outside the archive.", field="file")
        if info.is_dir():
            continue
        if info.flag_bits & 0x1:
            raise UnsafeArchive(f"The ZIP entry {info.filename!r} is encrypted.", field="file")
        if info.file_size > settings.IMPORT_ZIP_MAX_MEMBER_BYTES:
            raise UnsafeArchive(
                f"The ZIP entry {info.filename!r} is {info.file_size} bytes uncompressed; the most is "
                f"{settings.IMPORT_ZIP_MAX_MEMBER_BYTES}.",
                field="file",
            )
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_FLOOR_BYTES and ratio > settings.IMPORT_ZIP_MAX_RATIO:
            raise UnsafeArchive(
                f"The ZIP entry {info.filename!r} is compressed {ratio:.0f} times; the most is "
                f"{settings.IMPORT_ZIP_MAX_RATIO}.",
                field="file",
            )
        files.append(info)
    return files


def members_of(file: IO[bytes], *, name: str = "") -> list[Member]:
    """What the upload holds, in reading order; refuses an unsafe ZIP or a file with no listens."""
    if not _is_zip(file):
        format = detect(file.read(SNIFF_BYTES), name)
        file.seek(0, io.SEEK_END)
        size = file.tell()
        file.seek(0)
        if format is None:
            raise UnknownFormat(field="file")
        return [Member(name="", format=format, size=size)]
    try:
        with zipfile.ZipFile(file) as archive:
            members = []
            for info in sorted(_check(archive), key=lambda info: _reading_order(info.filename)):
                with archive.open(info) as stream:
                    format = detect(stream.read(SNIFF_BYTES), info.filename)
                members.append(Member(name=info.filename, format=format or "", size=info.file_size))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError) as exc:
        raise UnsafeArchive(f"This ZIP cannot be read: {exc}.", field="file") from exc
    if not any(member.format for member in members):
        raise UnknownFormat(
            f"Nothing in this ZIP is a format MusicHub reads: {READABLE}.",
            field="file",
        )
    return members


def _reading_order(name: str) -> tuple:
    """Names in natural order, so `listens/2026/10.jsonl` comes after `listens/2026/9.jsonl`."""
    parts = PurePosixPath(name).parts
    return tuple(
        (0, int(part.split(".")[0]), part) if part.split(".")[0].isdigit() else (1, 0, part) for part in parts
    )


class CountingReader(io.RawIOBase):
    """A binary stream that counts the bytes read through it (the job's progress)."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.count = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.count += len(data)
        return data

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


@contextmanager
def member_stream(file: IO[bytes], member: Member) -> Iterator[CountingReader]:
    """The member's bytes as a counted stream (the file itself when it is not a ZIP)."""
    if not member.name:
        file.seek(0)
        yield CountingReader(file)
        return
    with zipfile.ZipFile(file) as archive, archive.open(member.name) as stream:
        yield CountingReader(stream)


def members_load(values: list[dict]) -> list[Member]:
    return [Member(**value) for value in values]


__all__ = ["Format", "Member", "UnknownFormat", "UnsafeArchive", "member_stream", "members_of"]
