from django.db import migrations

# The starting list of assessment reason categories; the network edits it in the admin.
REASONS = [
    ("low_income", "Revenus insuffisants", "Onvoldoende inkomen", "Insufficient income"),
    ("debt", "Endettement", "Schulden", "Debt"),
    ("job_loss", "Perte d'emploi", "Jobverlies", "Loss of employment"),
    ("health", "Santé, maladie", "Gezondheid, ziekte", "Health, illness"),
    ("family_change", "Séparation, changement familial", "Scheiding, gezinswijziging",
     "Separation, change in the family"),
    ("housing", "Logement, sans-abrisme", "Huisvesting, dakloosheid", "Housing, homelessness"),
    ("waiting_benefits", "Attente d'allocations", "Wachten op uitkering", "Waiting for benefits"),
    ("other", "Autre", "Andere", "Other"),
]


def forwards(apps, schema_editor):
    AssessmentReason = apps.get_model("passes", "AssessmentReason")
    for position, (code, fr, nl, en) in enumerate(REASONS):
        AssessmentReason.objects.get_or_create(
            code=code,
            defaults={"label_fr": fr, "label_nl": nl, "label_en": en, "position": position},
        )


class Migration(migrations.Migration):
    dependencies = [("passes", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
