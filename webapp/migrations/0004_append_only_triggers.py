"""The database refuses UPDATE and DELETE on the append-only tables (audit trail, decisions),
whatever code or console sends them; the models refuse them first (webapp/models.py)."""

from django.db import migrations

TABLES = ("webapp_auditevent", "webapp_flagdecision", "webapp_applicantdecision")


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    with schema_editor.connection.cursor() as c:
        if vendor == "postgresql":
            c.execute(
                "CREATE OR REPLACE FUNCTION credcheck_append_only() RETURNS trigger AS $$ "
                "BEGIN RAISE EXCEPTION 'append-only table %', TG_TABLE_NAME; END $$ "
                "LANGUAGE plpgsql"
            )
            for t in TABLES:
                c.execute(f"CREATE TRIGGER {t}_append_only BEFORE UPDATE OR DELETE ON {t} "
                          "FOR EACH ROW EXECUTE FUNCTION credcheck_append_only()")
        elif vendor == "sqlite":
            for t in TABLES:
                for op in ("UPDATE", "DELETE"):
                    c.execute(f"CREATE TRIGGER {t}_no_{op.lower()} BEFORE {op} ON {t} "
                              f"BEGIN SELECT RAISE(ABORT, 'append-only table {t}'); END")


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    with schema_editor.connection.cursor() as c:
        for t in TABLES:
            if vendor == "postgresql":
                c.execute(f"DROP TRIGGER IF EXISTS {t}_append_only ON {t}")
            elif vendor == "sqlite":
                for op in ("update", "delete"):
                    c.execute(f"DROP TRIGGER IF EXISTS {t}_no_{op}")


class Migration(migrations.Migration):
    dependencies = [("webapp", "0003_audit_verify_run")]
    operations = [migrations.RunPython(create, drop)]
