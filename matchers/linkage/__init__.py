"""Applicant linkage: one person in several applications (DUPLICATE_APPLICANT), in this batch
and against earlier intakes, the way Splink links records.

- records: one application as linkage sees it (name forms, ID number, birth dates)
- blocking: which pairs are compared at all (`BLOCKING_RULES`, `KEY_VERSION`)
- comparisons: field by field, levels and their weights (`COMPARISONS`, `score_pair`)
- link: linked pairs grouped, with their reasons (`link_applicants`, `find_duplicate_applicants`)
- history: the applicants of earlier intakes in one SQLite file (`History`)
- intake: one intake linked and added to the history (`link_intake`, `intake_id`)

Members found in an earlier intake are named "<intake>:<applicant_id>" and a reason names the
intake and its source file.
"""
