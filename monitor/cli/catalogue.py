"""`flask catalogue ...`: import and export a plan's recommendations (thin calls into
services.catalogue.records, the same code path as the web upload and the demo)."""
from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import ngettext

from ..extensions import db
from ..i18n import LANGUAGES
from ..services import imports
from ..services.catalogue import exporting, importing, recurrences
from ..services.catalogue import files_from_themes as themes_files
from ..services.catalogue import records as service
from ..services.catalogue.upr_formats import template_csv, template_xlsx
from .lookups import plan_by_slug

_LANG = click.option("--lang", type=click.Choice(LANGUAGES), default="en", show_default=True,
                     help="Language of the messages.")


def register(app: Flask) -> None:
    app.cli.add_command(catalogue)


@click.group()
def catalogue() -> None:
    """Import and export the recommendations of a plan."""



def _echo_preview(preview: importing.ImportPreview, verbose: bool) -> None:
    counts = preview.counts()
    click.echo(_("Format: %(format)s", format=preview.format))
    click.echo(_("New: %(new)d · Updated: %(updated)d · Unchanged: %(unchanged)d · "
                 "Rejected: %(rejected)d · Skipped: %(skipped)d", **counts))
    if preview.skipped_reason:
        click.echo(preview.skipped_reason)
    for warning in preview.warnings:
        click.echo("  ? " + warning.reason, err=True)
    if preview.merged:
        click.echo(_("Recommendations without a code merged into the recommendation of "
                     "their row: %(num)d", num=preview.merged))
    for refusal in preview.refused_merges:
        click.echo("  ! " + refusal.reason, err=True)
    for item in preview.possible_matches:
        click.echo("  ≈ " + _("row %(row)d: possible match with %(code)s (confirm with "
                              "--confirm-matches)", row=item.row.row_number,
                              code=item.possible_code or _("without code")))
    if preview.ignored_columns:
        click.echo(_("Ignored columns: %(columns)s",
                     columns=", ".join(preview.ignored_columns)))
    labels = service.field_labels()
    shown = preview.updated if verbose else preview.updated[:20]
    for item in shown:
        click.echo("  ~ " + _("row %(row)d (%(code)s): %(fields)s", row=item.row.row_number,
                              code=item.code or "-",
                              fields=", ".join(labels.get(f, f) for f in item.fields)))
    if len(shown) < len(preview.updated):
        click.echo("  " + _("and %(num)d more", num=len(preview.updated) - len(shown)))
    for rejection in preview.rejected:
        click.echo("  ! " + rejection.reason, err=True)


@catalogue.command("import")
@click.option("--plan", "plan_slug", required=True, help="Short name (slug) of the plan.")
@click.option("--yes", is_flag=True, help="Apply without asking for confirmation.")
@click.option("--verbose", is_flag=True, help="List every updated row.")
@click.option("--confirm-matches", is_flag=True,
              help="Treat each possible match as the same recommendation.")
@_LANG
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_command(plan_slug: str, yes: bool, verbose: bool, confirm_matches: bool, lang: str,
                   path: Path) -> None:
    """Import recommendations from FILE (monitor's template as CSV or XLSX, a UPR Info
    export, or the UN report's numbered list): shows a preview, then asks to apply it."""
    with force_locale(lang):
        plan = plan_by_slug(plan_slug)
        try:
            imports.check_size(path.stat().st_size)  # before reading it
            preview = importing.preview_import(db.session, plan, path.read_bytes(), path.name,
                                               confirmed=confirm_matches)
        except (imports.UploadRefused, service.CatalogueError) as exc:
            db.session.rollback()
            raise click.ClickException(exc.message) from None
        _echo_preview(preview, verbose)
        if not preview.ok:
            db.session.rollback()
            raise click.ClickException(ngettext(
                "Nothing was imported: %(num)d row is rejected. Correct the file and import it "
                "again.",
                "Nothing was imported: %(num)d rows are rejected. Correct the file and import "
                "it again.", preview.rejected_rows))
        if not preview.has_changes:
            click.echo(_("Nothing to change: the catalogue already holds every row of this "
                         "file."))
            return
        if not yes and not click.confirm(_("Apply these changes?"), default=False):
            db.session.rollback()
            click.echo(_("Nothing was changed."))
            return
        importing.apply_import(db.session, plan, preview)
        db.session.commit()
        counts = preview.counts()
        click.echo(_("Imported: %(new)d new, %(updated)d updated, %(unchanged)d unchanged.",
                     new=counts["new"], updated=counts["updated"],
                     unchanged=counts["unchanged"]))
        if preview.merged:
            click.echo(_("Recommendations without a code merged into the recommendation of "
                         "their row: %(num)d", num=preview.merged))


@catalogue.command("files-from-themes")
@click.option("--plan", "plan_slug", required=True, help="Short name (slug) of the plan.")
@click.option("--yes", is_flag=True, help="Apply without asking for confirmation.")
@_LANG
def files_from_themes_command(plan_slug: str, yes: bool, lang: str) -> None:
    """Make recommendation files from the recommendations' main themes (OHCHR's sections):
    shows theme → file and count, then asks to apply."""
    with force_locale(lang):
        plan = plan_by_slug(plan_slug)
        lines = themes_files.plan_files_from_themes(db.session, plan)
        if not lines:
            click.echo(_("Nothing to do: every recommendation with a theme is in a file."))
            return
        for line in lines:
            target = service.title_of(line.file) if line.file else _("new file")
            click.echo(_("%(theme)s → %(file)s: %(count)d", theme=line.theme, file=target,
                         count=line.count))
        if not yes and not click.confirm(_("Apply these changes?"), default=False):
            db.session.rollback()
            click.echo(_("Nothing was changed."))
            return
        done = themes_files.apply_files_from_themes(db.session, plan)
        db.session.commit()
        click.echo(_("Files: %(files)d; recommendations assigned: %(count)d.",
                     files=len(done), count=sum(line.count for line in done)))


@catalogue.command("link-recurrences")
@click.option("--plan", "plan_slug", required=True, help="Short name (slug) of the plan.")
@_LANG
def link_recurrences_command(plan_slug: str, lang: str) -> None:
    """Link every recommendation of the plan's governing body to the earlier-cycle
    recommendation it repeats (same State, same text), as an import does."""
    with force_locale(lang):
        plan = plan_by_slug(plan_slug)
        counts = recurrences.link_recurrences(db.session, plan)
        db.session.commit()
        click.echo(_("Recommendations that repeat an earlier cycle's: %(linked)d (links "
                     "changed: %(changed)d).", linked=counts.linked, changed=counts.changed))


@catalogue.command("export")
@click.option("--plan", "plan_slug", required=True, help="Short name (slug) of the plan.")
@click.option("--format", "kind", type=click.Choice(["csv", "xlsx"]), default=None,
              help="Default: from the file name's extension.")
@_LANG
@click.argument("path", type=click.Path(dir_okay=False, writable=True, path_type=Path))
def export_command(plan_slug: str, kind: str | None, lang: str, path: Path) -> None:
    """Write the plan's recommendations in use to FILE, in monitor's template format (to
    edit and import again)."""
    with force_locale(lang):
        plan = plan_by_slug(plan_slug)
        kind = kind or ("xlsx" if path.suffix.lower() == ".xlsx" else "csv")
        path.write_bytes(exporting.export_catalogue(db.session, plan, kind))
        click.echo(_("Written: %(path)s", path=str(path)))


@catalogue.command("template")
@click.option("--format", "kind", type=click.Choice(["csv", "xlsx"]), default=None,
              help="Default: from the file name's extension.")
@_LANG
@click.argument("path", type=click.Path(dir_okay=False, writable=True, path_type=Path))
def template_command(kind: str | None, lang: str, path: Path) -> None:
    """Write an empty import template (header and one example row) to FILE."""
    with force_locale(lang):
        kind = kind or ("xlsx" if path.suffix.lower() == ".xlsx" else "csv")
        path.write_bytes(template_xlsx() if kind == "xlsx" else template_csv())
        click.echo(_("Written: %(path)s", path=str(path)))
