"""The reviewers' web app (issue 15): intakes, uploads, the queue, decisions, the audit trail.

Built on the store (store/): the verifier's output stays as the store keeps it; what people
decide and do is kept here, beside it, append-only. Verification is submitted as a flow run
of the `verify-intake` deployment (pipelines/deployments.py); no request runs OCR.
"""
