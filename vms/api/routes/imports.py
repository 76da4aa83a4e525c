"""Import jobs and remembered mappings: `/api/v1/imports`.

`POST /api/v1/imports` takes what `POST /api/v1/cameras/import` takes and answers 202 at once
with a job; the page polls `GET /api/v1/imports/{id}` for rows done of total and, at the end,
the same report. `GET /api/v1/imports/mapping` is what an agency's next upload starts from."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, UploadFile, status

from vms.api.deps import CurrentPrincipal, ServicesDep, SessionDep
from vms.api.import_run import (
    AGENCY_HELP,
    MAPPING_HELP,
    ImportRequest,
    import_scope,
    parse_mapping,
    read_upload,
    run_import,
)
from vms.auth.principal import Principal
from vms.errors import NotFound
from vms.inputs import MAX_INT
from vms.registry.import_jobs import ImportJobOut
from vms.registry.import_mappings import MappingOut, remembered
from vms.registry.importer import ImportReport
from vms.services import Services

router = APIRouter(prefix="/api/v1/imports", tags=["cameras"])

_DENIED: dict[int | str, dict[str, Any]] = {
    403: {"description": "Not allowed to manage cameras"},
    404: {"description": "No such agency (or another agency's)"},
}


@router.get("/mapping", responses=_DENIED)
def get_mapping(
    session: SessionDep,
    principal: CurrentPrincipal,
    agency_id: Annotated[int | None, Query(ge=1, le=MAX_INT)] = None,
) -> MappingOut:
    """The agency's remembered column and agency-name mappings (own agency by default)."""
    scope = import_scope(session, principal, agency_id)
    if scope is None:
        scope = principal.agency_id
    return remembered(session, scope)


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    responses={
        **_DENIED,
        413: {"description": "File over 10 MB"},
        422: {"description": "Empty file or a bad mapping"},
        429: {"description": "Imports are already running"},
    },
)
async def start_import(
    file: UploadFile,
    session: SessionDep,
    services: ServicesDep,
    principal: CurrentPrincipal,
    dry_run: Annotated[bool, Form()] = False,
    move_cameras: Annotated[bool, Form()] = False,
    mapping: Annotated[str | None, Form(max_length=64_000, description=MAPPING_HELP)] = None,
    agency_id: Annotated[int | None, Form(ge=1, le=MAX_INT, description=AGENCY_HELP)] = None,
) -> ImportJobOut:
    """Start an import (or dry run) as a job; the file's problems come in the job's report or
    error. Only the person who started a job can read it."""
    data = await asyncio.to_thread(read_upload, file)
    await asyncio.to_thread(import_scope, session, principal, agency_id)  # refuse early
    request = ImportRequest(data, file.filename, dry_run, move_cameras, parse_mapping(mapping),
                            agency_id)  # fmt: skip
    return services.imports.submit(
        principal.user_id, dry_run, lambda progress: _work(services, principal, request, progress)
    )


def _work(
    services: Services,
    principal: Principal,
    request: ImportRequest,
    progress: Callable[[int, int], None],
) -> ImportReport:
    with services.db.session() as session:
        return run_import(session, services, principal, request, progress)


@router.get("/{job_id}", responses={404: {"description": "No such job (or another person's)"}})
def get_import(
    job_id: Annotated[str, Path(max_length=64)], services: ServicesDep, principal: CurrentPrincipal
) -> ImportJobOut:
    """A job's progress (rows done of total) and, once done, its report."""
    job = services.imports.get(job_id, principal.user_id)
    if job is None:
        raise NotFound(f"no import job {job_id}")
    return job
