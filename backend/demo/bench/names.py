"""Names and places drawn for the benchmark households: common in Wallonia and Brussels."""

# fmt: off
FIRST_NAMES_F = (
    "Marie", "Anne", "Nathalie", "Isabelle", "Sophie", "Véronique", "Christine", "Martine",
    "Françoise", "Sylvie", "Catherine", "Julie", "Sarah", "Laura", "Léa", "Emma", "Chloé",
    "Manon", "Camille", "Élodie", "Céline", "Aurélie", "Mélanie", "Hélène", "Geneviève",
    "Josée", "Mireille", "Noémie", "Zoé", "Inès", "Fatima", "Aïcha", "Khadija", "Samira",
    "Yasmina", "Nour", "Maria", "Ana", "Agnieszka", "Oksana", "Thi Lan", "Mai", "Fatoumata",
    "Aminata", "Grace", "Emily", "Els", "An", "Annelies", "Liesbeth", "Sofie", "Marie-Claire",
    "Anne-Sophie",
)
FIRST_NAMES_M = (
    "Jean", "Michel", "Philippe", "Pierre", "Alain", "Marc", "Patrick", "Daniel", "Luc",
    "Christophe", "Thierry", "Olivier", "Didier", "Frédéric", "Stéphane", "Sébastien",
    "Benoît", "Jérôme", "Cédric", "Grégory", "Kevin", "Dylan", "Nathan", "Lucas", "Théo",
    "Noé", "Louis", "Hugo", "Mathéo", "Raphaël", "François", "José", "Youssef", "Mohamed",
    "Karim", "Mehdi", "Ibrahima", "Mamadou", "Ahmet", "Mustafa", "Piotr", "Andrzej", "Bogdan",
    "Dmytro", "Minh", "Van Thanh", "Pieter", "Jan", "Wim", "Joris", "Jean-Pierre", "Jean-Marc",
    "Jean-Luc",
)
LAST_NAMES = (
    "Lefèvre", "Lefebvre", "Dubois", "Dupont", "Lambert", "Martin", "Dumont", "Leclercq",
    "Simon", "Laurent", "Lejeune", "Renard", "Lemaire", "Collard", "Leroy", "Jacquet",
    "François", "Gérard", "Henrard", "Marchal", "Mathieu", "Gilson", "Lemoine", "Hubert",
    "Denis", "Michaux", "Thiry", "Pirard", "Piron", "Delvaux", "Wauters", "Goffin", "Thomas",
    "Bodart", "Hardy", "Lecomte", "Baudoin", "Defays", "Frérotte", "Lhoest", "Noël", "Rémy",
    "Bastin", "Hennaux", "Mélotte", "Dethier", "Jadot", "Crèvecœur", "Dury", "Gillet",
    "Van den Berghe", "Van den Bossche", "Van der Linden", "Van Damme", "Vandenbroucke",
    "Vanderstraeten", "Janssens", "Peeters", "Maes", "Jacobs", "Mertens", "Willems", "Claes",
    "Goossens", "Wouters", "De Smet", "De Backer", "De Meyer", "D'Hondt", "Desmet",
    "Verbruggen", "Nguyen", "Tran", "Pham", "Le", "El Amrani", "Benali", "El Idrissi",
    "Bouzid", "Haddad", "Yilmaz", "Kaya", "Demir", "Diallo", "Bah", "Traoré", "Camara", "Koné",
    "Mbuyi", "Kabongo", "Tshibanda", "Nowak", "Kowalski", "Wiśniewski", "Popescu", "Ionescu",
    "Costa", "Silva", "Fernández", "García", "Rossi", "Russo", "Kovačević", "Shevchenko",
)
COMMUNES = (
    ("5000", "Namur"), ("5000", "Salzinnes"), ("5000", "Beez"), ("5001", "Belgrade"),
    ("5002", "Saint-Servais"), ("5003", "Saint-Marc"), ("5004", "Bouge"), ("5020", "Vedrin"),
    ("5020", "Champion"), ("5020", "Temploux"), ("5021", "Boninne"), ("5022", "Cognelée"),
    ("5024", "Gelbressée"), ("5100", "Jambes"), ("5100", "Wépion"), ("5100", "Dave"),
    ("5101", "Erpent"), ("5101", "Lives-sur-Meuse"), ("5080", "Rhisnes"),
)
# fmt: on
