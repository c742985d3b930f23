"""Synthetic certificate scans with ground truth, for tests and benchmarks.

Public API:
- `synth.people`: `Person`, `make_person(rng, **overrides)`.
- `synth.documents`: `render_skill_certificate`, `render_award_certificate`,
  `render_title_certificate`, `render_education_certificate`, `render_id_card`,
  `render_other` — each `(person, rng, **facts) -> RenderedDoc` (image, doc_type, fields,
  field_boxes, regions); `RENDERERS`, `LAYOUTS`, `render(doc_type, ...)`, `mount(...)`.
- `synth.damage`: `degrade(img, difficulty, rng)`, `rotate_page(img, degrees)`.
- `synth.textpdf`: `text_pdf_bytes(canvas, flavour)` for text-layer PDFs (needs reportlab).
- `synth.generate`: `generate_documents(out_dir, per_difficulty=, seed=, ...) -> [TruthDoc]`,
  also `python -m synth OUT_DIR --per-difficulty 12 --seed 1 --workers 2`.
- `synth.batch`: `generate_batch(batch_dir, applicants=, seed=, ...)` (declared data, packets,
  truth), `plan_batch`, `write_declared`.

The truth is written with synth's own code: it imports `models/` (the catalogue and the
typed models) and its own modules, never the verifier (`extractors/`, `matchers/`,
`pipelines/`), so a bug there cannot be mirrored in the truth the tests compare against.
"""
