"""The demo shops' catalogue, prices, suppliers and baskets: a Belgian social grocery.

Market prices are those of an ordinary Belgian supermarket; what a household
pays is a share of them (or a fixed price) set per shop within its price band.
"""

from dataclasses import dataclass
from decimal import Decimal

from stock.models import Lot, Product

DRY = Product.Category.DRY
FRESH = Product.Category.FRESH
FROZEN = Product.Category.FROZEN
FRUIT_VEG = Product.Category.FRUIT_VEG
DRINKS = Product.Category.DRINKS
BABY = Product.Category.BABY
HYGIENE = Product.Category.HYGIENE
HOUSEHOLD = Product.Category.HOUSEHOLD
OTHER = Product.Category.OTHER
PIECE = Product.Unit.PIECE
KG = Product.Unit.KG
LITRE = Product.Unit.LITRE

PURCHASE = Lot.Origin.PURCHASE
DONATION = Lot.Origin.DONATION
FOOD_BANK = Lot.Origin.FOOD_BANK
EU_FOOD_AID = Lot.Origin.EU_FOOD_AID
RECOVERY = Lot.Origin.RECOVERY

BOTH = ("la-cigogne", "la-fourmi")
CIGOGNE = ("la-cigogne",)
FOURMI = ("la-fourmi",)  # the cooperative's bulk aisle (vrac)


@dataclass(frozen=True)
class ShopStaff:
    manager: str  # receives the stock and sets the prices
    volunteer: str  # scans the cards and sells
    percent: Decimal  # the share of the market price paid for food
    non_food_percent: Decimal  # for hygiene, cleaning and the rest


SHOPS = {
    "la-cigogne": ShopStaff("gerant.cigogne", "benevole.cigogne", Decimal(30), Decimal(35)),
    "la-fourmi": ShopStaff("gerant.fourmi", "benevole.fourmi", Decimal(25), Decimal(35)),
}
NON_FOOD = (HYGIENE, HOUSEHOLD, OTHER)
# Households pay at most half the market price; EU food aid and some gifts are free.
PRICE_BAND = (Decimal(0), Decimal(50))


@dataclass(frozen=True)
class DemoProduct:
    name: str
    category: str
    market_price: str  # euros, per piece, kg or litre
    minimum: int  # the manager is warned below this
    stock: int  # received at each shop that sells it
    keeps: int | None = None  # days from receipt to the best-before date; None: no date
    unit: str = PIECE
    barcodes: int = 1  # loose fruit and vegetables, and the bulk aisle, have none
    origin: str = PURCHASE
    fixed: str | None = None  # a fixed price instead of the shop's share
    shops: tuple[str, ...] = BOTH


P = DemoProduct

PRODUCTS = [
    # Épicerie sèche
    P("Pâtes spaghetti 500 g", DRY, "1.19", 30, 60, 540, barcodes=2, origin=FOOD_BANK),
    P("Pâtes penne 500 g", DRY, "1.19", 30, 60, 540, origin=FOOD_BANK),
    P("Riz long grain 1 kg", DRY, "2.29", 20, 40, 540, origin=FOOD_BANK),
    P("Riz basmati 1 kg", DRY, "3.49", 10, 20, 540),
    P("Farine de froment 1 kg", DRY, "1.09", 10, 24, 300, origin=FOOD_BANK),
    P("Sucre cristallisé 1 kg", DRY, "1.49", 10, 24, 720, origin=FOOD_BANK),
    P("Sel fin 500 g", DRY, "0.59", 5, 12, 1095),
    P("Huile de tournesol 1 l", DRY, "2.79", 24, 10, 365),
    P("Café moulu 250 g", DRY, "3.29", 20, 8, 365),
    P("Thé noir (25 sachets)", DRY, "1.79", 6, 12, 540),
    P("Céréales corn flakes 500 g", DRY, "2.49", 12, 30, 270, origin=FOOD_BANK),
    P("Flocons d'avoine 500 g", DRY, "1.29", 8, 16, 270),
    P("Confiture de fraises 450 g", DRY, "2.19", 10, 30, 365, origin=FOOD_BANK),
    P("Pâte à tartiner choco-noisettes 400 g", DRY, "2.99", 10, 30, 270),
    P("Sirop de Liège 450 g", DRY, "3.19", 6, 24, 540),
    P("Spéculoos 250 g", DRY, "1.89", 10, 30, 240, origin=DONATION),
    P("Biscuits petit-beurre 200 g", DRY, "1.29", 10, 20, 240, origin=FOOD_BANK),
    P("Tomates pelées 400 g", DRY, "0.79", 30, 60, 730, barcodes=2, origin=FOOD_BANK),
    P("Concentré de tomates 140 g", DRY, "0.69", 10, 20, 730),
    P("Sauce tomate basilic 500 g", DRY, "1.69", 12, 30, 540, origin=FOOD_BANK),
    P("Haricots blancs à la tomate 400 g", DRY, "0.99", 20, 40, 730, origin=FOOD_BANK),
    P("Petits pois et carottes 800 g", DRY, "1.59", 20, 40, 730, origin=FOOD_BANK),
    P("Maïs doux 300 g", DRY, "0.99", 10, 20, 730),
    P("Thon au naturel 160 g", DRY, "2.19", 20, 40, 1095, origin=FOOD_BANK),
    P("Sardines à l'huile 125 g", DRY, "1.49", 10, 20, 1095),
    P("Lentilles vertes 500 g", DRY, "1.79", 10, 20, 540),
    P("Pois chiches 400 g", DRY, "0.89", 10, 20, 730),
    P("Soupe tomates-légumes 1 l", DRY, "1.99", 12, 24, 270, origin=FOOD_BANK),
    P("Purée de pommes de terre en flocons 500 g", DRY, "2.09", 6, 12, 365),
    P("Mayonnaise 500 ml", DRY, "2.49", 8, 20, 240),
    P("Moutarde 370 g", DRY, "1.29", 5, 10, 365),
    P("Compote de pommes 4 × 100 g", DRY, "1.69", 12, 30, 270, origin=FOOD_BANK),
    P("Lentilles corail (vrac, kg)", DRY, "3.90", 5, 15, 365, KG, 0, shops=FOURMI),
    P("Flocons d'avoine (vrac, kg)", DRY, "2.50", 5, 15, 270, KG, 0, shops=FOURMI),
    # Frais: received in the last days (see `shop.stock_recent_receive`)
    P("Lait frais demi-écrémé 1 l", FRESH, "1.19", 12, 24, 8, origin=FOOD_BANK),
    P("Yaourt nature 4 × 125 g", FRESH, "1.29", 12, 24, 24, origin=DONATION),
    P("Yaourt aux fruits 4 × 125 g", FRESH, "1.79", 12, 24, 24, origin=FOOD_BANK),
    P("Fromage blanc 500 g", FRESH, "1.69", 6, 12, 20, origin=DONATION),
    P("Beurre doux 250 g", FRESH, "2.69", 8, 16, 40, origin=FOOD_BANK),
    P("Margarine 500 g", FRESH, "1.99", 6, 12, 45),
    P("Œufs de poules élevées au sol (x12)", FRESH, "3.29", 10, 20, 28, fixed="1.00"),
    P("Gouda jeune en tranches 250 g", FRESH, "2.79", 8, 16, 30, origin=FOOD_BANK),
    P("Fromage de Herve 200 g", FRESH, "3.49", 3, 6, 30),
    P("Jambon cuit 6 tranches 180 g", FRESH, "2.59", 8, 16, 10, origin=DONATION),
    P("Filet de poulet 500 g", FRESH, "5.99", 4, 10, 6, origin=DONATION),
    P("Haché porc et bœuf 500 g", FRESH, "4.49", 6, 12, 5),
    P("Saucisses de volaille (x6)", FRESH, "3.49", 4, 8, 10),
    P("Pain gris tranché 800 g", FRESH, "2.29", 10, 20, 3, origin=RECOVERY, fixed="0.50"),
    P("Baguette", FRESH, "1.19", 10, 20, 2, origin=RECOVERY, fixed="0.20"),
    # Surgelés
    P("Frites surgelées 1 kg", FROZEN, "2.49", 10, 24, 365),
    P("Légumes pour potage surgelés 1 kg", FROZEN, "2.19", 8, 16, 365, origin=FOOD_BANK),
    P("Épinards hachés surgelés 1 kg", FROZEN, "2.29", 6, 12, 365),
    P("Filets de colin panés surgelés 400 g", FROZEN, "3.99", 6, 12, 365, origin=FOOD_BANK),
    P("Boulettes de bœuf surgelées 600 g", FROZEN, "4.99", 4, 8, 270, shops=CIGOGNE),
    P("Pizza margherita surgelée 350 g", FROZEN, "2.49", 4, 10, 270, origin=DONATION),
    P("Petits pois surgelés 1 kg", FROZEN, "2.39", 6, 12, 365, origin=FOOD_BANK),
    # Fruits et légumes: loose ones by the kg, weighed at the counter
    P("Pommes Jonagold (kg)", FRUIT_VEG, "2.29", 10, 25, 14, KG, 0, RECOVERY, "0.50"),
    P("Poires Conférence (kg)", FRUIT_VEG, "2.49", 8, 15, 10, KG, 0, RECOVERY, "0.50"),
    P("Bananes (kg)", FRUIT_VEG, "1.79", 10, 15, 5, KG, 0, DONATION),
    P("Oranges à jus (filet 2 kg)", FRUIT_VEG, "3.49", 6, 12, 14),
    P("Pommes de terre (sac de 5 kg)", FRUIT_VEG, "4.49", 6, 15, 30),
    P("Carottes (kg)", FRUIT_VEG, "1.29", 8, 20, 14, KG, 0, RECOVERY, "0.30"),
    P("Oignons jaunes (kg)", FRUIT_VEG, "1.49", 5, 15, 30, KG, 0),
    P("Poireaux (kg)", FRUIT_VEG, "2.99", 5, 10, 8, KG, 0, RECOVERY),
    P("Chicons (kg)", FRUIT_VEG, "3.99", 4, 8, 7, KG, 0, RECOVERY),
    P("Tomates (kg)", FRUIT_VEG, "3.49", 5, 10, 6, KG, 0, RECOVERY),
    P("Courgettes (kg)", FRUIT_VEG, "2.49", 4, 10, 7, KG, 0, RECOVERY),
    P("Concombre", FRUIT_VEG, "0.99", 6, 12, 7, origin=RECOVERY),
    P("Laitue", FRUIT_VEG, "1.19", 5, 10, 5, origin=RECOVERY),
    P("Champignons de Paris 250 g", FRUIT_VEG, "1.49", 4, 10, 5, origin=DONATION),
    # Boissons
    P("Lait demi-écrémé UHT 1 l", DRINKS, "1.09", 48, 120, 120, barcodes=2, origin=FOOD_BANK),
    P("Lait entier UHT 1 l", DRINKS, "1.19", 12, 24, 120, origin=FOOD_BANK),
    P("Eau plate 6 × 1,5 l", DRINKS, "2.49", 12, 24, 365),
    P("Eau pétillante 1,5 l", DRINKS, "0.69", 12, 24, 365),
    P("Jus d'orange 1 l", DRINKS, "1.99", 12, 24, 240, origin=FOOD_BANK),
    P("Jus de pomme 1 l", DRINKS, "1.69", 12, 24, 240, origin=DONATION),
    P("Limonade citron 1,5 l", DRINKS, "1.29", 6, 12, 240),
    P("Lait chocolaté 1 l", DRINKS, "1.79", 6, 12, 180),
    # Bébé
    P("Langes taille 3 (x34)", BABY, "8.49", 8, 20, barcodes=2, fixed="2.00"),
    P("Langes taille 4 (x30)", BABY, "8.49", 10, 4, fixed="2.00"),
    P("Langes taille 5 (x26)", BABY, "8.49", 6, 10, fixed="2.00"),
    P("Lait de suite 2e âge 800 g", BABY, "14.99", 6, 2, 365, shops=CIGOGNE),
    P("Lait de croissance 1 l", BABY, "2.49", 6, 12, 180),
    P("Petits pots légumes 2 × 200 g", BABY, "2.29", 6, 12, 365),
    P("Compote bébé pomme 4 × 100 g", BABY, "2.19", 6, 12, 270, origin=FOOD_BANK),
    P("Lingettes bébé (x72)", BABY, "1.99", 8, 20, origin=DONATION),
    P("Céréales bébé 250 g", BABY, "3.49", 4, 8, 270),
    # Hygiène
    P("Savon de Marseille 300 g", HYGIENE, "2.49", 10, 30),
    P("Gel douche 250 ml", HYGIENE, "1.89", 10, 24, origin=FOOD_BANK),
    P("Shampooing 250 ml", HYGIENE, "2.29", 8, 20),
    P("Dentifrice 75 ml", HYGIENE, "1.49", 15, 6),
    P("Brosses à dents (x2)", HYGIENE, "1.99", 6, 12, origin=DONATION),
    P("Papier toilette (8 rouleaux)", HYGIENE, "3.99", 20, 40, barcodes=2),
    P("Serviettes hygiéniques (x14)", HYGIENE, "1.99", 10, 20, origin=DONATION),
    P("Déodorant 150 ml", HYGIENE, "2.49", 6, 12),
    P("Rasoirs jetables (x5)", HYGIENE, "2.19", 4, 8),
    P("Mouchoirs en papier (10 paquets)", HYGIENE, "1.49", 6, 12),
    # Entretien
    P("Liquide vaisselle 500 ml", HOUSEHOLD, "1.49", 10, 30),
    P("Lessive liquide 1,5 l (20 lavages)", HOUSEHOLD, "5.99", 8, 16, fixed="1.50"),
    P("Lessive liquide (vrac, l)", HOUSEHOLD, "2.80", 10, 30, None, LITRE, 0, shops=FOURMI),
    P("Eau de Javel 1 l", HOUSEHOLD, "1.09", 6, 12),
    P("Nettoyant multi-usages 1 l", HOUSEHOLD, "1.99", 6, 12),
    P("Éponges (x5)", HOUSEHOLD, "1.29", 6, 12),
    P("Sacs poubelle 30 l (x20)", HOUSEHOLD, "2.29", 8, 16),
    P("Vinaigre ménager (vrac, l)", HOUSEHOLD, "0.90", 5, 20, None, LITRE, 0, shops=FOURMI),
    P("Essuie-tout (2 rouleaux)", HOUSEHOLD, "2.19", 6, 12, origin=DONATION),
    # Autre
    P("Piles AA (x4)", OTHER, "3.99", 4, 8),
    P("Bougies chauffe-plat (x30)", OTHER, "2.49", 0, 6, origin=DONATION),
    P("Pâtée pour chat 400 g", OTHER, "0.99", 6, 12, 730),
    P("Sac cabas réutilisable", OTHER, "0.99", 0, 20, fixed="0.00"),
]

# Barcodes of the demo: a Belgian (54x) company prefix, a running number, the check digit.
BARCODE_PREFIX = "5412345"

# Who delivers, by origin.
SUPPLIERS: dict[str, str] = {
    FOOD_BANK: "Banque alimentaire de Namur-Luxembourg",
    EU_FOOD_AID: "SPP Intégration sociale — FSE+",
    DONATION: "Supermarché de Saint-Servais (dons d'invendus)",
    PURCHASE: "Grossiste Delcour & Fils, Ghlin",
    RECOVERY: "Invendus du marché et des boulangeries de Namur",
}
# Long-life goods arrive this many days before the sales history begins.
OPENING_DAYS_BEFORE: dict[str, int] = {
    EU_FOOD_AID: 10,
    FOOD_BANK: 6,
    PURCHASE: 3,
    DONATION: 2,
    RECOVERY: 1,
}
# Fresh goods (a best-before at most this many days away) arrive in the last days.
PERISHABLE_DAYS = 45
RECENT_DAYS_AGO: dict[str, int] = {FOOD_BANK: 6, PURCHASE: 4, DONATION: 2, RECOVERY: 1}
# A supermarket gives what is near its date: these lots end this many days from today.
NEAR_DATE = {
    "Yaourt nature 4 × 125 g": 2,
    "Fromage blanc 500 g": 5,
    "Jambon cuit 6 tranches 180 g": 3,
    "Filet de poulet 500 g": 4,
    "Bananes (kg)": 2,
}
# Donations are given free, as the donor asks; EU food aid is always free.
FREE_ORIGINS = (DONATION, EU_FOOD_AID)

# The FSE+ food aid each shop received (product, quantity), before the history.
EU_FOOD_AID_LINES = [
    ("Lait demi-écrémé UHT 1 l", 60),
    ("Pâtes spaghetti 500 g", 40),
    ("Riz long grain 1 kg", 20),
    ("Petits pois et carottes 800 g", 24),
    ("Thon au naturel 160 g", 24),
    ("Compote de pommes 4 × 100 g", 20),
    ("Soupe tomates-légumes 1 l", 12),
]

# How many weeks of sales the shops keep, before the current week and month.
HISTORY_WEEKS = 8
# A household's weekly shopping, in turn: (product, quantity). Long-life goods only: the
# fresh ones arrived after the history.
BASKETS = [
    (
        ("Pâtes spaghetti 500 g", 2),
        ("Tomates pelées 400 g", 3),
        ("Lait demi-écrémé UHT 1 l", 6),
        ("Riz long grain 1 kg", 1),
        ("Thon au naturel 160 g", 2),
        ("Biscuits petit-beurre 200 g", 1),
        ("Frites surgelées 1 kg", 1),
        ("Savon de Marseille 300 g", 1),
        ("Papier toilette (8 rouleaux)", 1),
    ),
    (
        ("Riz basmati 1 kg", 1),
        ("Thon au naturel 160 g", 2),
        ("Sardines à l'huile 125 g", 2),
        ("Petits pois et carottes 800 g", 2),
        ("Confiture de fraises 450 g", 1),
        ("Lait demi-écrémé UHT 1 l", 4),
        ("Jus d'orange 1 l", 2),
        ("Légumes pour potage surgelés 1 kg", 1),
        ("Shampooing 250 ml", 1),
    ),
    (
        ("Céréales corn flakes 500 g", 2),
        ("Lait demi-écrémé UHT 1 l", 6),
        ("Pâte à tartiner choco-noisettes 400 g", 1),
        ("Haricots blancs à la tomate 400 g", 2),
        ("Spéculoos 250 g", 1),
        ("Eau plate 6 × 1,5 l", 1),
        ("Filets de colin panés surgelés 400 g", 1),
        ("Frites surgelées 1 kg", 1),
        ("Liquide vaisselle 500 ml", 1),
    ),
    (
        ("Pâtes penne 500 g", 3),
        ("Sauce tomate basilic 500 g", 2),
        ("Haricots blancs à la tomate 400 g", 2),
        ("Sirop de Liège 450 g", 1),
        ("Compote de pommes 4 × 100 g", 2),
        ("Lait demi-écrémé UHT 1 l", 4),
        ("Langes taille 3 (x34)", 2),
        ("Lingettes bébé (x72)", 1),
        ("Gel douche 250 ml", 1),
    ),
    (
        ("Farine de froment 1 kg", 1),
        ("Sucre cristallisé 1 kg", 1),
        ("Lentilles vertes 500 g", 1),
        ("Maïs doux 300 g", 2),
        ("Soupe tomates-légumes 1 l", 2),
        ("Mayonnaise 500 ml", 1),
        ("Compote de pommes 4 × 100 g", 2),
        ("Lait demi-écrémé UHT 1 l", 4),
        ("Sacs poubelle 30 l (x20)", 1),
    ),
]

# One sale corrected the same day at each shop: (its number in the history, reason,
# whole sale cancelled or one item taken back).
CORRECTIONS = {
    "la-fourmi": (0, "Article scanné deux fois : un paquet rendu et remboursé.", False),
    "la-cigogne": (1, "Paiement par carte refusé par le terminal : vente annulée.", True),
}
