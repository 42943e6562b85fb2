"""The system as the clinic's administrator sees it: the jobs that failed for good
(their name, ids and kind of error, as `flask jobs failed` lists them) and which
content is in force (checklists, integration prompts, crisis lines), each named by
its id, version and a short hash of the file, so a clinic can tell which edit runs."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from journal import jobs
from journal.content import CONTENT_DIR
from journal.core.translatable import N_
from journal.models.jobs import FailedJob

HASH_CHARS = 12


@dataclass(frozen=True)
class ContentFile:
    kind: str
    name: str
    content_id: str
    version: str
    digest: str
    in_force: bool


def failed_jobs(limit: int = 100) -> list[FailedJob]:
    return jobs.failed(limit)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:HASH_CHARS]


def _versioned(kind: str, folder: Path) -> list[ContentFile]:
    """Each file's id and version; the newest version of each id is the one in force
    (journal/content: older versions stay to read earlier plans)."""
    found = []
    for path in sorted(folder.glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        found.append((path, str(doc.get("id", path.stem)), int(doc.get("version", 0))))
    newest: dict[str, int] = {}
    for _, ident, version in found:
        newest[ident] = max(version, newest.get(ident, version))
    return [
        ContentFile(kind, path.name, ident, str(version), _digest(path), newest[ident] == version)
        for path, ident, version in found
    ]


def content_versions(crisis_region: str, content_dir: Path = CONTENT_DIR) -> list[ContentFile]:
    files = _versioned(N_("Preparation checklist"), content_dir / "checklists")
    files += _versioned(N_("Integration prompts"), content_dir / "prompts")
    for path in sorted((content_dir / "crisis").glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        region = str(doc.get("region", path.stem))
        files.append(
            ContentFile(
                N_("Crisis lines"),
                path.name,
                region,
                str(doc.get("version", "")),
                _digest(path),
                path.stem == crisis_region,
            )
        )
    return files
