"""The verify stages as plain functions, one module a stage; pipelines/flows.py wires them
into a Prefect flow.

    plan.plan_batch [→ plan.only_applicant] → reading.inspect_file (per file) →
    reading.read_page (per page) → assessing.packet_files → assessing.assess (per
    applicant) → crosschecks.cross_checks → outputs.write_outputs

Nothing here writes into BATCH_DIR, follows a link out of it, or depends on Prefect.
"""

from pipelines.stages.assessing import PacketFilesView, assess, assessment_failed, packet_files
from pipelines.stages.crosschecks import cross_checks, settle
from pipelines.stages.outputs import STATE_DIR, results_json, write_outputs
from pipelines.stages.plan import (
    MAX_FOLDER_DEPTH,
    ApplicantPlan,
    BatchPlan,
    FilePlan,
    only_applicant,
    pages_to_read,
    plan_batch,
)
from pipelines.stages.reading import (
    PageImages,
    ReaderPool,
    decisive_pages,
    inspect_file,
    load_options,
    page_hashes,
    read_in_a_hurry,
    read_page,
    refused,
    relabel,
    second_look,
)

__all__ = [
    "MAX_FOLDER_DEPTH",
    "STATE_DIR",
    "ApplicantPlan",
    "BatchPlan",
    "FilePlan",
    "PacketFilesView",
    "PageImages",
    "ReaderPool",
    "assess",
    "assessment_failed",
    "cross_checks",
    "decisive_pages",
    "inspect_file",
    "load_options",
    "only_applicant",
    "packet_files",
    "page_hashes",
    "pages_to_read",
    "plan_batch",
    "read_in_a_hurry",
    "read_page",
    "refused",
    "relabel",
    "results_json",
    "second_look",
    "settle",
    "write_outputs",
]
