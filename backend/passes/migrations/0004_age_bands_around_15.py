from django.db import migrations

# EU food-aid reporting counts children aged 15 or under: the bands 3-14 and 15-24 became
# 3-15 and 16-24 so that no band straddles that age. Members were recorded by band, not by
# age, so a member who was exactly 15 (in 15-24) now counts as 16-24, and a 3-14 member
# stays a child: the closest mapping the data allows. Workers correct it as they review
# files. The reverse mapping is as lossy, the other way round.
FORWARDS = {"3-14": "3-15", "15-24": "16-24"}
BACKWARDS = {new: old for old, new in FORWARDS.items()}


def bands_map(mapping):
    def run(apps, schema_editor):
        HouseholdMember = apps.get_model("passes", "HouseholdMember")
        for old, new in mapping.items():
            HouseholdMember.objects.filter(age_band=old).update(age_band=new)

    return run


class Migration(migrations.Migration):
    dependencies = [("passes", "0003_household_food_aid_categories")]

    operations = [migrations.RunPython(bands_map(FORWARDS), bands_map(BACKWARDS))]
