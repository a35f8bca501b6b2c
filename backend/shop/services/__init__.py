"""What changes state in the shop: the catalogue and its prices, the stock, baskets and sales.

Every function is called by the pages, the API and the tasks alike. Each owns its
transaction (except `stock_take`, which runs inside a sale's or a distribution's),
locks what it contests, writes the ledger and the audit trail, and refuses with a
`ShopRefused` carrying a stable `code`, a sentence in the user's language and the
field it concerns.
"""

from shop.services.catalogue import (
    barcode_add,
    barcode_clean,
    price_band_set,
    product_by_barcode,
    product_create,
    product_find,
    service_price_set,
)
from shop.services.common import ShopRefused, quantity_check
from shop.services.documents import (
    inventory_close,
    inventory_record,
    inventory_start,
    receipt_line_add,
    receipt_line_remove,
    receipt_post,
    receipt_start,
)
from shop.services.sales import (
    Checkout,
    basket_abandon,
    basket_open,
    basket_put,
    sale_checkout,
    sale_correct,
)
from shop.services.stock import (
    LedgerMismatch,
    ReceiptLine,
    stock_check,
    stock_lose,
    stock_receive,
    stock_take,
    stock_transfer,
)

__all__ = [
    "Checkout",
    "LedgerMismatch",
    "ReceiptLine",
    "ShopRefused",
    "barcode_add",
    "barcode_clean",
    "basket_abandon",
    "basket_open",
    "basket_put",
    "inventory_close",
    "inventory_record",
    "inventory_start",
    "product_find",
    "receipt_line_add",
    "receipt_line_remove",
    "receipt_post",
    "receipt_start",
    "price_band_set",
    "product_by_barcode",
    "product_create",
    "quantity_check",
    "sale_checkout",
    "sale_correct",
    "service_price_set",
    "stock_check",
    "stock_lose",
    "stock_receive",
    "stock_take",
    "stock_transfer",
]
