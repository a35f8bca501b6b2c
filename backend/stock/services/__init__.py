"""What changes the stock: the catalogue and its prices, receipts, takes, losses, counts,
and the managers' morning e-mail of alerts.

Every function is called by the pages, the API and the tasks alike. Each owns its
transaction (except `stock_take` and `takes_write`, which run inside a sale's or a
distribution's), locks what it contests, writes the ledger and the audit trail,
and refuses with a `StockRefused` carrying a stable `code`, a sentence in the
user's language and the field it concerns.
"""

from stock.services.alerts import (
    AlertOutcome,
    AlertsEmailed,
    ServiceAlerted,
    service_stock_alerts_email,
    stock_alerts_email,
)
from stock.services.catalogue import (
    barcode_add,
    barcode_clean,
    price_band_set,
    product_by_barcode,
    product_create,
    product_find,
    service_price_set,
)
from stock.services.common import StockRefused, quantity_check
from stock.services.documents import (
    inventory_close,
    inventory_record,
    inventory_start,
    receipt_line_add,
    receipt_line_remove,
    receipt_post,
    receipt_start,
)
from stock.services.ledger import (
    LedgerMismatch,
    ReceiptLine,
    stock_check,
    stock_lose,
    stock_receive,
    stock_take,
    stock_transfer,
    takes_return,
    takes_write,
)

__all__ = [
    "AlertOutcome",
    "AlertsEmailed",
    "LedgerMismatch",
    "ReceiptLine",
    "ServiceAlerted",
    "StockRefused",
    "barcode_add",
    "barcode_clean",
    "inventory_close",
    "inventory_record",
    "inventory_start",
    "price_band_set",
    "product_by_barcode",
    "product_create",
    "product_find",
    "quantity_check",
    "receipt_line_add",
    "receipt_line_remove",
    "receipt_post",
    "receipt_start",
    "service_price_set",
    "service_stock_alerts_email",
    "stock_alerts_email",
    "stock_check",
    "stock_lose",
    "stock_receive",
    "stock_take",
    "stock_transfer",
    "takes_return",
    "takes_write",
]
