"""`python -m webapp.verify_local KEY [APPLICANT]`: verify an intake's current state in this
process, as the verify-intake deployment does, or with APPLICANT that applicant's packet
alone, the verify-packet flow's own steps (CREDCHECK_VERIFY=local; webapp/verify.py)."""

from __future__ import annotations

import sys


def main(key: str, applicant: str | None = None) -> int:
    import store

    store.setup()
    if applicant is not None:
        from pipelines.deployments import verify_packet

        verify_packet.fn(key, applicant)  # the flow's body, outside a deployment
        return 0
    from pipelines import intake as intakes
    from pipelines.flows import verify_batch

    p = intakes.prepare(key)
    try:
        results = verify_batch(p.batch, p.out, as_of=p.as_of, cache_dir=p.cache)
    except BaseException as e:
        intakes.failed(p, e)
        raise
    intakes.finish(p, results)
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
