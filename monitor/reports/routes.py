"""The comparison of independent evaluations with official progress."""
from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/reports")
