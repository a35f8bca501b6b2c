import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ('shop', '0003_documents'),
        ('stock', '0001_initial'),
    ]

    # The stock's models now belong to the `stock` app (same tables): the shop's
    # sales point at them there.
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='saleline',
                    name='lot',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='stock.lot'),
                ),
                migrations.AlterField(
                    model_name='saleline',
                    name='product',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='stock.product'),
                ),
                migrations.AlterField(
                    model_name='basketline',
                    name='product',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='stock.product'),
                ),
                migrations.RemoveField(
                    model_name='barcode',
                    name='product',
                ),
                migrations.RemoveField(
                    model_name='inventorycount',
                    name='service',
                ),
                migrations.RemoveField(
                    model_name='inventorycount',
                    name='started_by',
                ),
                migrations.RemoveField(
                    model_name='inventorycountline',
                    name='count',
                ),
                migrations.RemoveField(
                    model_name='stockmovement',
                    name='inventory',
                ),
                migrations.RemoveField(
                    model_name='inventorycountline',
                    name='product',
                ),
                migrations.RemoveField(
                    model_name='lot',
                    name='product',
                ),
                migrations.RemoveField(
                    model_name='lot',
                    name='receipt',
                ),
                migrations.RemoveField(
                    model_name='lot',
                    name='received_by',
                ),
                migrations.RemoveField(
                    model_name='lot',
                    name='service',
                ),
                migrations.RemoveField(
                    model_name='stockmovement',
                    name='lot',
                ),
                migrations.RemoveField(
                    model_name='priceband',
                    name='service',
                ),
                migrations.RemoveField(
                    model_name='stockreceiptline',
                    name='product',
                ),
                migrations.RemoveField(
                    model_name='serviceprice',
                    name='product',
                ),
                migrations.RemoveField(
                    model_name='serviceprice',
                    name='service',
                ),
                migrations.RemoveField(
                    model_name='stockmovement',
                    name='actor',
                ),
                migrations.RemoveField(
                    model_name='stockmovement',
                    name='sale',
                ),
                migrations.RemoveField(
                    model_name='stockreceipt',
                    name='created_by',
                ),
                migrations.RemoveField(
                    model_name='stockreceipt',
                    name='service',
                ),
                migrations.RemoveField(
                    model_name='stockreceiptline',
                    name='receipt',
                ),
                migrations.DeleteModel(
                    name='Barcode',
                ),
                migrations.DeleteModel(
                    name='InventoryCount',
                ),
                migrations.DeleteModel(
                    name='InventoryCountLine',
                ),
                migrations.DeleteModel(
                    name='Lot',
                ),
                migrations.DeleteModel(
                    name='PriceBand',
                ),
                migrations.DeleteModel(
                    name='Product',
                ),
                migrations.DeleteModel(
                    name='ServicePrice',
                ),
                migrations.DeleteModel(
                    name='StockMovement',
                ),
                migrations.DeleteModel(
                    name='StockReceipt',
                ),
                migrations.DeleteModel(
                    name='StockReceiptLine',
                ),
            ],
        ),
    ]
