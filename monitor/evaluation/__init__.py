"""The evaluation blueprint: routes.py (answers, approval, review, questionnaire, offline
answers) and attachments.py (evidence), both on routes.bp."""
from . import attachments as _attachments  # noqa: F401  adds the evidence routes to routes.bp
