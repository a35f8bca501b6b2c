from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('passes', '0002_assessment_reasons'),
    ]

    operations = [
        migrations.AddField(
            model_name='household',
            name='holder_sex',
            field=models.CharField(blank=True, choices=[('f', 'Femme'), ('m', 'Homme'), ('x', 'Autre / non précisé')], default='', max_length=1, verbose_name='sexe de la personne de référence'),
        ),
        migrations.AddField(
            model_name='household',
            name='persons_homeless',
            field=models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='personnes sans abri'),
        ),
        migrations.AddField(
            model_name='household',
            name='persons_of_foreign_background',
            field=models.PositiveSmallIntegerField(blank=True, null=True, verbose_name="personnes migrantes, d'origine étrangère ou d'une minorité"),
        ),
        migrations.AddField(
            model_name='household',
            name='persons_with_disability',
            field=models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='personnes en situation de handicap'),
        ),
        migrations.AlterField(
            model_name='householdmember',
            name='age_band',
            field=models.CharField(choices=[('0-2', '0 à 2 ans'), ('3-15', '3 à 15 ans'), ('16-24', '16 à 24 ans'), ('25-64', '25 à 64 ans'), ('65+', '65 ans et plus')], max_length=8, verbose_name="tranche d'âge"),
        ),
    ]
