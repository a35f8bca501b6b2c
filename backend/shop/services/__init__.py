"""What changes state in the shop: baskets, sales and their corrections.

Every function is called by the pages, the API and the tasks alike. Each owns its
transaction, locks what it contests, takes from the stock through `stock.services`,
writes the audit trail, and refuses with a `StockRefused` carrying a stable
`code`, a sentence in the user's language and the field it concerns.
"""

from shop.services.sales import (
    Checkout,
    basket_abandon,
    basket_open,
    basket_put,
    sale_checkout,
    sale_correct,
)

__all__ = [
    "Checkout",
    "basket_abandon",
    "basket_open",
    "basket_put",
    "sale_checkout",
    "sale_correct",
]
