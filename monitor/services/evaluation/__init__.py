"""An NGO's evaluations: the lifecycle (draft, approval, submission, revisions), receipts,
evidence, offline answers, and the questionnaire (schema, validation, XLSForm)."""
