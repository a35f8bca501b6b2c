"""The demo's food-aid point: what the Conférence Saint-Vincent de Paul of Jambes receives
and gives.

Its goods come from the Banque alimentaire (once a month, as the conference's public
page tells: « deux tonnes de marchandises qui arrivent une fois par mois ») and from
the EU food aid (FSE+) ordered through the SPP Intégration sociale; both are given
free. Products are the network's catalogue (`shop_data.PRODUCTS`).
"""

from dataclasses import dataclass

from stock.models import Lot

FOOD_AID_POINT = "saint-vincent-jambes"
MANAGER = "gerant.saintvincent"  # receives the goods and sets the parcel templates
VOLUNTEER = "benevole.saintvincent"  # scans the cards and gives the parcels

FOOD_BANK = Lot.Origin.FOOD_BANK
EU_FOOD_AID = Lot.Origin.EU_FOOD_AID
DONATION = Lot.Origin.DONATION

# How many weeks of parcels the point keeps, before the current fortnight, week and month.
HISTORY_WEEKS = 8
# The EU food aid of the year, received once before the history: (product, quantity).
EU_FOOD_AID_LINES = [
    ("Lait demi-écrémé UHT 1 l", 144),
    ("Pâtes spaghetti 500 g", 80),
    ("Riz long grain 1 kg", 48),
    ("Petits pois et carottes 800 g", 60),
    ("Thon au naturel 160 g", 60),
    ("Sardines à l'huile 125 g", 30),
    ("Compote de pommes 4 × 100 g", 48),
    ("Soupe tomates-légumes 1 l", 36),
]
# The Banque alimentaire's monthly delivery: (product, quantity).
FOOD_BANK_LINES = [
    ("Lait demi-écrémé UHT 1 l", 48),
    ("Pâtes penne 500 g", 30),
    ("Tomates pelées 400 g", 80),
    ("Sauce tomate basilic 500 g", 24),
    ("Haricots blancs à la tomate 400 g", 48),
    ("Céréales corn flakes 500 g", 24),
    ("Confiture de fraises 450 g", 16),
    ("Biscuits petit-beurre 200 g", 24),
    ("Farine de froment 1 kg", 16),
    ("Sucre cristallisé 1 kg", 12),
]
# Days between two deliveries of the Banque alimentaire.
FOOD_BANK_EVERY_DAYS = 28
# Days before the history begins that the first goods arrive.
EU_FOOD_AID_DAYS_BEFORE = 12
FOOD_BANK_DAYS_BEFORE = 5


@dataclass(frozen=True)
class NearDate:
    """A lot received in the last days whose date is near: short-dated goods a food bank
    or a supermarket gives, which the manager must see and give first."""

    origin: str
    product: str
    quantity: int
    days_left: int  # from the day the demo is loaded to the best-before date
    received_days_ago: int


NEAR_DATE = [
    NearDate(FOOD_BANK, "Céréales corn flakes 500 g", 12, 3, 2),
    NearDate(FOOD_BANK, "Biscuits petit-beurre 200 g", 20, 5, 2),
    NearDate(FOOD_BANK, "Yaourt aux fruits 4 × 125 g", 24, 2, 2),
    NearDate(DONATION, "Jambon cuit 6 tranches 180 g", 10, 2, 1),
    NearDate(DONATION, "Lait frais demi-écrémé 1 l", 18, 4, 1),
]
SUPPLIER_DONATION = "Supermarché de Jambes (dons d'invendus)"

# The parcel for each band of household size: (from, to or None for « and more », lines).
TEMPLATES: list[tuple[int, int | None, dict[str, int]]] = [
    (
        1,
        1,
        {
            "Pâtes spaghetti 500 g": 1,
            "Riz long grain 1 kg": 1,
            "Tomates pelées 400 g": 2,
            "Thon au naturel 160 g": 1,
            "Petits pois et carottes 800 g": 1,
            "Soupe tomates-légumes 1 l": 1,
            "Lait demi-écrémé UHT 1 l": 2,
            "Biscuits petit-beurre 200 g": 1,
        },
    ),
    (
        2,
        2,
        {
            "Pâtes spaghetti 500 g": 2,
            "Riz long grain 1 kg": 1,
            "Tomates pelées 400 g": 2,
            "Haricots blancs à la tomate 400 g": 1,
            "Thon au naturel 160 g": 2,
            "Petits pois et carottes 800 g": 1,
            "Soupe tomates-légumes 1 l": 1,
            "Lait demi-écrémé UHT 1 l": 4,
            "Céréales corn flakes 500 g": 1,
            "Compote de pommes 4 × 100 g": 1,
        },
    ),
    (
        3,
        4,
        {
            "Pâtes spaghetti 500 g": 2,
            "Pâtes penne 500 g": 1,
            "Riz long grain 1 kg": 2,
            "Tomates pelées 400 g": 3,
            "Sauce tomate basilic 500 g": 1,
            "Haricots blancs à la tomate 400 g": 2,
            "Thon au naturel 160 g": 2,
            "Petits pois et carottes 800 g": 2,
            "Soupe tomates-légumes 1 l": 2,
            "Lait demi-écrémé UHT 1 l": 6,
            "Céréales corn flakes 500 g": 1,
            "Compote de pommes 4 × 100 g": 2,
            "Confiture de fraises 450 g": 1,
            "Farine de froment 1 kg": 1,
        },
    ),
    (
        5,
        None,
        {
            "Pâtes spaghetti 500 g": 3,
            "Pâtes penne 500 g": 2,
            "Riz long grain 1 kg": 2,
            "Tomates pelées 400 g": 4,
            "Sauce tomate basilic 500 g": 2,
            "Haricots blancs à la tomate 400 g": 3,
            "Thon au naturel 160 g": 3,
            "Sardines à l'huile 125 g": 2,
            "Petits pois et carottes 800 g": 3,
            "Soupe tomates-légumes 1 l": 2,
            "Lait demi-écrémé UHT 1 l": 10,
            "Céréales corn flakes 500 g": 2,
            "Compote de pommes 4 × 100 g": 3,
            "Confiture de fraises 450 g": 1,
            "Farine de froment 1 kg": 1,
            "Sucre cristallisé 1 kg": 1,
        },
    ),
]

# Parcels corrected the same day, by their number in the history: (reason, the product
# and quantity taken back, or None when the whole parcel is taken back).
CORRECTIONS: dict[int, tuple[str, tuple[str, int] | None]] = {
    1: (
        "Boîte de thon cabossée : reprise, le ménage n'en voulait pas.",
        ("Thon au naturel 160 g", 1),
    ),
    4: ("Colis trop lourd à porter ce jour-là : repris en entier, le ménage repassera.", None),
}
