import unicodedata

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


def fold(text):
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().replace("-", " ").replace("'", " ").split())


def forwards(apps, schema_editor):
    Household = apps.get_model("passes", "Household")
    for household in Household.objects.all():
        household.last_name_key = fold(household.last_name)
        household.first_name_key = fold(household.first_name)
        household.save(update_fields=["last_name_key", "first_name_key"])
    AssessmentReason = apps.get_model("passes", "AssessmentReason")
    for position, (code, fr, nl, en) in enumerate(REASONS):
        AssessmentReason.objects.get_or_create(
            code=code,
            defaults={"label_fr": fr, "label_nl": nl, "label_en": en, "position": position},
        )


class Migration(migrations.Migration):
    dependencies = [("passes", "0002_assessments_passes_cards")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
