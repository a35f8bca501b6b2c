"""A movement names the document that made it through a generic link (a sale, and now a
distribution), instead of a foreign key to the shop's sales; the content types of the
moved models follow them to the `stock` app."""

import django.db.models.deletion
from django.db import migrations, models

MOVED = [
    "product",
    "barcode",
    "priceband",
    "serviceprice",
    "lot",
    "stockmovement",
    "stockreceipt",
    "stockreceiptline",
    "inventorycount",
    "inventorycountline",
]


def content_types_follow(apps, schema_editor):
    content_type = apps.get_model("contenttypes", "ContentType")
    for model in MOVED:
        if not content_type.objects.filter(app_label="stock", model=model).exists():
            content_type.objects.filter(app_label="shop", model=model).update(app_label="stock")


def content_types_back(apps, schema_editor):
    content_type = apps.get_model("contenttypes", "ContentType")
    content_type.objects.filter(app_label="stock", model__in=MOVED).update(app_label="shop")


def sale_links_copy(apps, schema_editor):
    movement = apps.get_model("stock", "StockMovement")
    content_type = apps.get_model("contenttypes", "ContentType")
    if not movement.objects.filter(sale__isnull=False).exists():
        return
    sale_type, _ = content_type.objects.get_or_create(app_label="shop", model="sale")
    movement.objects.filter(sale__isnull=False).update(
        source_type=sale_type, source_id=models.F("sale_id")
    )


def sale_links_back(apps, schema_editor):
    movement = apps.get_model("stock", "StockMovement")
    movement.objects.filter(source_type__app_label="shop", source_type__model="sale").update(
        sale_id=models.F("source_id")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("shop", "0004_stock_moves_to_its_app"),
        ("stock", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(content_types_follow, content_types_back),
        migrations.AddField(
            model_name="stockmovement",
            name="source_type",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="contenttypes.contenttype",
            ),
        ),
        migrations.AddField(
            model_name="stockmovement",
            name="source_id",
            field=models.PositiveBigIntegerField(blank=True, null=True),
        ),
        migrations.RunPython(sale_links_copy, sale_links_back),
        migrations.RemoveField(model_name="stockmovement", name="sale"),
        migrations.AddIndex(
            model_name="stockmovement",
            index=models.Index(fields=["source_type", "source_id"], name="movement_source_idx"),
        ),
    ]
