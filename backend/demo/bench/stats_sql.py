"""The statistics benchmark's rows, as set-based SQL: `generate_series` straight into the tables.

Every value is drawn from a hash of a row's number (`hashint8extended`), so the same
size gives the same rows on any run. Ids are written explicitly from a base (the
table's largest id before), which lets a row name its parents by arithmetic; the
sequences are moved on afterwards. Temporary tables `bs_*` hold what several steps
share (the households' sizes, the passes' dates, the visits before they are split
into vouchers, sales and parcels); `demo.bench.stats` runs the steps in order.

The parameters (`%(name)s`) are filled by `demo.bench.stats.seed_params`. The SQL
uses `mod()`, never the percent sign, so that it passes through the driver's
parameter substitution as it is.
"""

# ruff: noqa: S608  (statements assembled from constants of this module; every value is a parameter)

from __future__ import annotations

# One collective service in twenty of each kind, interleaved so that the first few
# services (a tiny test network) already hold every kind.
SERVICE_KINDS = (
    "shop", "food_aid", "restaurant", "shop", "vestiaire", "food_aid", "shop", "other", "coop",
    "shop", "food_aid", "restaurant", "shop", "food_aid", "vestiaire", "shop", "restaurant",
    "food_aid", "shop", "other",
)  # fmt: skip
SERVICE_LABELS = {
    "shop": "Épicerie sociale",
    "coop": "Coopérative solidaire",
    "food_aid": "Colis alimentaires",
    "restaurant": "Restaurant social",
    "vestiaire": "Vestiaire",
    "other": "Tickets culture",
}
PARTNER_KINDS = ("cpas", "cpas", "cpas", "social_service", "mutuality", "one", "shelter", "other")
# The rules a convention sets at each kind of service (kind, period, quantity, budget base,
# budget per extra member).
RULES = (
    ("shop", "visits", "week", 1, None, None),
    ("shop", "budget", "month", None, 6000, 2500),
    ("coop", "visits", "week", 2, None, None),
    ("coop", "budget", "month", None, 4000, 1500),
    ("food_aid", "parcels", "fortnight", 1, None, None),
    ("restaurant", "meal_tickets", "week", 5, None, None),
    ("vestiaire", "visits", "month", 1, None, None),
    ("other", "uses", "month", 4, None, None),
    ("other", "budget", "month", None, 5000, None),
)
# The rule a scan's answer names, by kind of service.
ANSWER_RULE = {
    "shop": ("visits", "week"),
    "coop": ("visits", "week"),
    "food_aid": ("parcels", "fortnight"),
    "restaurant": ("meal_tickets", "week"),
    "vestiaire": ("visits", "month"),
    "other": ("uses", "month"),
}
# Households of 1 to 6 persons (cumulative shares), the other members' age bands.
SIZES = ((1, 0.35), (2, 0.57), (3, 0.74), (4, 0.87), (5, 0.95), (6, 1.0))
MEMBER_BANDS = (("0-2", 0.10), ("3-15", 0.50), ("16-24", 0.70), ("25-64", 0.95), ("65+", 1.0))
PRODUCT_CATEGORIES = ("dry", "dry", "dry", "fresh", "fruit_veg", "drinks", "baby", "hygiene")
PRODUCT_NAMES = ("Pâtes", "Riz", "Lentilles", "Lait UHT", "Conserve de légumes", "Farine")


def u(key: str, salt: int) -> str:
    """A number in [0, 1) drawn from the bigint expression `key` (another `salt`, another draw)."""
    return f"((hashint8extended(({key})::bigint, {salt}) & 2147483647)::float8 / 2147483648)"


def pick(key: str, salt: int, n: str | int) -> str:
    """A whole number in [0, n) drawn from `key`."""
    return f"floor({u(key, salt)} * ({n}))::int"


def _cases(value: str, shares: tuple[tuple[object, float], ...]) -> str:
    """CASE WHEN value < share THEN choice ... ELSE the last choice END (cumulative shares)."""

    def literal(choice: object) -> str:
        return f"'{choice}'" if isinstance(choice, str) else str(choice)

    whens = " ".join(f"WHEN {value} < {share} THEN {literal(c)}" for c, share in shares[:-1])
    return f"CASE {whens} ELSE {literal(shares[-1][0])} END"


def _local(day: str, time: str) -> str:
    """A day at a time of day in the network's time zone, as a timestamptz."""
    return f"(({day}) + time '{time}') AT TIME ZONE %(tz)s"


_RULES = ", ".join(
    "('{}', '{}', '{}', {}::int, {}::int, {}::int)".format(
        *kind_rule[:3], *("NULL" if x is None else x for x in kind_rule[3:])
    )
    for kind_rule in RULES
)


def _by_kind(values: dict[str, str]) -> str:
    """CASE kind WHEN 'shop' THEN ... END."""
    return "CASE kind " + " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in values.items()) + " END"


_ANSWER_KIND = _by_kind({k: rule for k, (rule, _period) in ANSWER_RULE.items()})
_ANSWER_PERIOD = _by_kind({k: period for k, (_rule, period) in ANSWER_RULE.items()})

# --- the network -----------------------------------------------------------------------------

NETWORK = (
    (
        "collective services",
        f"""
        INSERT INTO network_organisation (id, kind, name, slug, partner_kind, service_kind, street,
          postal_code, city, country, phone, email, is_active, deactivation_reason, created_at)
        SELECT %(svc_base)s + i, 'service', {_by_kind(SERVICE_LABELS)} || ' ' || lpad(i::text, 4, '0'),
          'bench-stats-service-' || lpad(i::text, 4, '0'), '', kind, '', '5000', 'Namur', 'BE',
          '', '', true, '', %(created)s
        FROM (SELECT i, (%(kinds)s::text[])[1 + mod(i - 1, 20)] AS kind
              FROM generate_series(1, %(services)s) i) s
        """,
    ),
    (
        "partners",
        """
        INSERT INTO network_organisation (id, kind, name, slug, partner_kind, service_kind, street,
          postal_code, city, country, phone, email, is_active, deactivation_reason, created_at)
        SELECT %(partner_base)s + i, 'partner', 'Partenaire ' || lpad(i::text, 4, '0'),
          'bench-stats-partner-' || lpad(i::text, 4, '0'),
          (%(partner_kinds)s::text[])[1 + mod(i - 1, 8)], '', '', '5000', 'Namur', 'BE', '', '',
          true, '', %(created)s
        FROM generate_series(1, %(partners)s) i
        """,
    ),
)

CONVENTIONS = (
    (
        "conventions",
        f"""
        INSERT INTO network_convention (id, reference, starts_on, ends_on, max_active_passes,
          max_pass_days, version, created_at, amended_at, partner_id)
        SELECT %(conv_base)s + c, 'BENCH-STATS-' || lpad(c::text, 5, '0'),
          %(w0)s::date - 30 - {pick("c", 1, 300)}, %(today)s::date + 200 + {pick("c", 2, 400)},
          %(quota)s, 366, 1, %(created)s, NULL, %(partner_base)s + 1 + mod(c - 1, %(partners)s)
        FROM generate_series(1, %(conventions)s) c
        """,
    ),
    (
        "",
        f"""
        CREATE TEMP TABLE bs_cs AS
        SELECT x.c, j, %(svc_base)s + 1 + mod(x.start + j, %(services)s) AS service_id,
          (%(kinds)s::text[])[1 + mod(mod(x.start + j, %(services)s), 20)] AS kind, x.k
        FROM (SELECT c, {pick("c", 3, "%(services)s")} AS start, 2 + {pick("c", 4, 5)} AS k
              FROM generate_series(1, %(conventions)s) c) x,
          generate_series(0, 5) j
        WHERE j < x.k
        """,
    ),
    (
        "services of the conventions",
        """
        INSERT INTO network_convention_services (convention_id, organisation_id)
        SELECT %(conv_base)s + c, service_id FROM bs_cs ORDER BY c, j
        """,
    ),
    (
        "usage rules",
        f"""
        INSERT INTO network_usagerule (convention_id, service_id, kind, period, quantity,
          budget_base_cents, budget_per_extra_member_cents)
        SELECT %(conv_base)s + cs.c, cs.service_id, r.kind, r.period, r.quantity, r.base, r.extra
        FROM bs_cs cs JOIN (VALUES {_RULES}) r(service_kind, kind, period, quantity, base, extra)
          ON r.service_kind = cs.kind
        ORDER BY cs.c, cs.j
        """,
    ),
    (
        "",
        """
        CREATE TEMP TABLE bs_rules AS
        SELECT convention_id, jsonb_agg(jsonb_build_object('service_id', service_id, 'kind', kind,
          'period', period, 'quantity', quantity, 'budget_base_cents', budget_base_cents,
          'budget_per_extra_member_cents', budget_per_extra_member_cents) ORDER BY id) AS rules
        FROM network_usagerule WHERE convention_id > %(conv_base)s GROUP BY convention_id
        """,
    ),
)

STOCK = (
    (
        "products",
        f"""
        INSERT INTO shop_product (id, name, category, unit, market_price, minimum_stock, is_active)
        SELECT %(product_base)s + i,
          (%(product_names)s::text[])[1 + mod(i - 1, 6)] || ' ' || lpad(i::text, 4, '0'),
          (%(categories)s::text[])[1 + mod(i - 1, 8)],
          CASE WHEN {u("i", 5)} < 0.7 THEN 'piece' WHEN {u("i", 5)} < 0.9 THEN 'kg' ELSE 'litre' END,
          round((0.5 + 14.5 * {u("i", 6)})::numeric, 2), 0, true
        FROM generate_series(1, %(products)s) i
        """,
    ),
    (
        "lots at the food-aid points",
        f"""
        INSERT INTO shop_lot (origin, supplier, received_on, best_before, quantity_received, on_hand,
          received_by_id, service_id, product_id, household_price, receipt_id)
        SELECT origin, 'Banque alimentaire de Benchmark', %(w0)s, %(today)s::date + 180, 1000000,
          1000000, %(volunteer)s, sid, pid, CASE WHEN origin = 'eu_food_aid' THEN 0 END, NULL
        FROM (SELECT s.id AS sid, p.id AS pid,
                CASE WHEN {u("s.id * 100000 + p.id", 7)} < 0.25 THEN 'eu_food_aid'
                     WHEN {u("s.id * 100000 + p.id", 7)} < 0.7 THEN 'food_bank'
                     WHEN {u("s.id * 100000 + p.id", 7)} < 0.9 THEN 'donation'
                     ELSE 'purchase' END AS origin
              FROM network_organisation s CROSS JOIN shop_product p
              WHERE s.id > %(svc_base)s AND s.id <= %(svc_base)s + %(services)s
                AND s.service_kind = 'food_aid' AND p.id > %(product_base)s) x
        ORDER BY sid, pid
        """,
    ),
)

# --- households and their passes -------------------------------------------------------------

_SIZE = _cases("x", tuple((size, share) for size, share in SIZES))
_BAND = _cases("x", MEMBER_BANDS)

HOUSEHOLDS = (
    (
        "",
        f"""
        CREATE TEMP TABLE bs_hh AS
        SELECT g, %(hh_base)s + g AS id, pi, %(partner_base)s + pi AS partner_id, size, f, eu,
          female, birth_year,
          CASE WHEN eu THEN (CASE WHEN female THEN 'f' ELSE 'm' END) ELSE '' END AS holder_sex,
          CASE WHEN eu THEN {pick("g", 20, 2)} END AS disability,
          CASE WHEN eu THEN {pick("g", 21, "size + 1")} END AS foreign_bg,
          CASE WHEN eu THEN (CASE WHEN {u("g", 22)} < 0.1 THEN 1 ELSE 0 END) END AS homeless
        FROM (SELECT g, 1 + {pick("g", 10, "%(partners)s")} AS pi, {_SIZE} AS size,
                0.2 + 1.8 * power({u("g", 12)}, 2) AS f, {u("g", 13)} < %(eu_share)s AS eu,
                {u("g", 14)} < 0.6 AS female, 1935 + {pick("g", 15, 72)} AS birth_year
              FROM (SELECT g, {u("g", 11)} AS x FROM generate_series(1, %(households)s) g) a) b
        """,
    ),
    (
        "households",
        f"""
        INSERT INTO passes_household (id, first_name, last_name, birth_year, postal_code, commune,
          language, legal_basis, legal_basis_recorded_on, last_name_key, first_name_key, created_at,
          updated_at, created_by_id, partner_id, holder_sex, persons_homeless,
          persons_of_foreign_background, persons_with_disability)
        SELECT id,
          CASE WHEN female THEN (%(first_f)s::text[])[1 + fi] ELSE (%(first_m)s::text[])[1 + mi] END,
          (%(last)s::text[])[1 + li], birth_year, (%(postal)s::text[])[1 + ci],
          (%(commune)s::text[])[1 + ci],
          CASE WHEN {u("g", 23)} < 0.85 THEN 'fr' WHEN {u("g", 23)} < 0.95 THEN 'nl' ELSE 'en' END,
          'public_task', recorded, (%(last_key)s::text[])[1 + li],
          CASE WHEN female THEN (%(first_f_key)s::text[])[1 + fi]
               ELSE (%(first_m_key)s::text[])[1 + mi] END,
          {_local("recorded", "10:00")}, {_local("recorded", "10:00")}, %(worker)s, partner_id,
          holder_sex, homeless, foreign_bg, disability
        FROM (SELECT h.*, {pick("g", 16, "%(n_first_f)s")} AS fi,
                {pick("g", 17, "%(n_first_m)s")} AS mi, {pick("g", 18, "%(n_last)s")} AS li,
                {pick("g", 19, "%(n_communes)s")} AS ci,
                %(w0)s::date - 120 - {pick("g", 24, 600)} AS recorded
              FROM bs_hh h) x
        ORDER BY g
        """,
    ),
    (
        "other members of the households",
        f"""
        INSERT INTO passes_householdmember (household_id, age_band, sex)
        SELECT id, {_BAND},
          CASE WHEN y < 0.01 THEN 'x' WHEN y < 0.505 THEN 'f' ELSE 'm' END
        FROM (SELECT h.id, m, {u("h.id * 8 + m", 30)} AS x, {u("h.id * 8 + m", 31)} AS y
              FROM bs_hh h, generate_series(2, h.size) m) q
        ORDER BY id, m
        """,
    ),
    (
        "",
        """
        CREATE TEMP TABLE bs_persons AS
        SELECT h.id AS household_id, h.size AS persons, h.birth_year,
          COALESCE(m.children, 0) AS member_children, COALESCE(m.seniors, 0) AS member_seniors,
          COALESCE(m.women, 0) + CASE WHEN h.holder_sex = 'f' THEN 1 ELSE 0 END AS women,
          COALESCE(LEAST(h.disability, h.size), 0) AS with_disability,
          COALESCE(LEAST(h.foreign_bg, h.size), 0) AS foreign_background,
          COALESCE(LEAST(h.homeless, h.size), 0) AS homeless
        FROM bs_hh h LEFT JOIN (
          SELECT household_id,
            COUNT(*) FILTER (WHERE age_band = ANY(%(child_bands)s::text[])) AS children,
            COUNT(*) FILTER (WHERE age_band = ANY(%(senior_bands)s::text[])) AS seniors,
            COUNT(*) FILTER (WHERE sex = 'f') AS women
          FROM passes_householdmember WHERE household_id > %(hh_base)s GROUP BY household_id
        ) m ON m.household_id = h.id
        """,
    ),
)

# When a pass last changed: the day of its last history line.
_LAST_CHANGE = _local(
    "COALESCE(p.expire_day, p.revoke_day, p.resume_day, p.suspend_day, p.renew_day, p.issued_day)",
    "02:00",
)

# Each household's current pass (id: pass_base + g), and for one in five an older one,
# expired before it. Due passes ended in the last three days and wait for the nightly job.
PASSES = (
    (
        "",
        f"""
        CREATE TEMP TABLE bs_pass AS
        WITH cur AS (
          SELECT h.g, h.id AS household_id, h.partner_id,
            h.pi + %(partners)s * {pick("h.g", 40, "(%(conventions)s - h.pi) / %(partners)s + 1")}
              AS c,
            CASE WHEN {u("h.g", 41)} < 0.3 THEN 91 WHEN {u("h.g", 41)} < 0.7 THEN 182 ELSE 364 END
              AS d,
            {u("h.g", 42)} < %(due_share)s AS due, {u("h.g", 45)} AS fate
          FROM bs_hh h
        ), dated AS (
          SELECT cur.*, CASE WHEN due THEN %(today)s::date - 1 - {pick("g", 43, 3)} - d
            ELSE %(w0)s::date - 120 + {pick("g", 44, "%(today)s::date - %(w0)s::date + 120")}
            END AS valid_from
          FROM cur
        ), renewed AS (
          SELECT dated.*, valid_from + d AS first_until,
            NOT due AND {u("g", 46)} < 0.15 AND valid_from + d - 10 < %(today)s::date AS renewed
          FROM dated
        ), ended AS (
          -- A renewal (ten days before the end) starts the pass again on its day, for 182 days.
          SELECT r.*, valid_from AS first_from,
            CASE WHEN renewed THEN first_until + 172 ELSE first_until END AS valid_until
          FROM renewed r
        ), fated AS (
          SELECT e.*,
            CASE WHEN due THEN 'active' WHEN valid_until < %(today)s::date THEN 'expired'
              WHEN fate < 0.015 THEN 'revoked' WHEN fate < 0.035 THEN 'suspended' ELSE 'active'
            END AS status,
            valid_from + {pick("g", 47, "GREATEST(1, LEAST(valid_until, %(today)s::date - 1) - valid_from)")}
              AS stop_day
          FROM ended e
        ), passes AS (
          SELECT %(pass_base)s + g AS id, g, household_id, partner_id, c,
            CASE WHEN renewed THEN first_until - 10 ELSE first_from END AS valid_from, valid_until,
            first_from, first_until, status, due,
            CASE WHEN renewed THEN first_until - 10 END AS renew_day,
            CASE WHEN status = 'suspended' OR (status = 'active' AND NOT due
              AND fate >= 0.035 AND fate < 0.045) THEN stop_day END AS suspend_day,
            CASE WHEN status = 'active' AND NOT due AND fate >= 0.035 AND fate < 0.045
              THEN LEAST(stop_day + 5 + {pick("g", 48, 25)}, %(today)s::date - 1) END AS resume_day,
            CASE WHEN status = 'revoked' THEN stop_day END AS revoke_day,
            CASE WHEN status = 'expired' THEN valid_until + 1 END AS expire_day,
            valid_from - {pick("g", 49, 3)} AS issued_day
          FROM fated
        ), older AS (
          SELECT %(pass_base)s + %(households)s + row_number() OVER (ORDER BY g) AS id, g,
            household_id, partner_id, c, until - 182 AS valid_from, until AS valid_until,
            until - 182 AS first_from, until AS first_until, 'expired' AS status, false AS due,
            NULL::date AS renew_day, NULL::date AS suspend_day, NULL::date AS resume_day,
            NULL::date AS revoke_day, until + 1 AS expire_day,
            until - 182 - {pick("g", 50, 3)} AS issued_day
          FROM (SELECT g, household_id, partner_id, c,
                  first_from - 1 - {pick("g", 51, 20)} AS until
                FROM passes WHERE {u("g", 52)} < 0.2) x
        )
        SELECT p.*, %(conv_base)s + c AS convention_id,
          {_local("issued_day", "10:00")} + {pick("id", 53, 420)} * interval '1 minute' AS issued_at
        FROM (SELECT * FROM passes UNION ALL SELECT * FROM older) p
        """,
    ),
    (
        "passes",
        f"""
        INSERT INTO passes_accesspass (id, status, valid_from, valid_until, card_version, rules,
          convention_version, issued_at, updated_at, convention_id, issued_by_id, partner_id,
          household_id)
        SELECT p.id, p.status, p.valid_from, p.valid_until, 1, r.rules, 1, p.issued_at,
          GREATEST(p.issued_at, {_LAST_CHANGE}),
          p.convention_id, %(worker)s, p.partner_id, p.household_id
        FROM bs_pass p JOIN bs_rules r ON r.convention_id = p.convention_id
        ORDER BY p.id
        """,
    ),
    (
        "pass history lines",
        f"""
        INSERT INTO passes_passevent (action, at, reason, detail, access_pass_id, actor_id)
        SELECT action, at, reason, detail, id, actor FROM (
          SELECT id, 'issue' AS action, issued_at AS at, '' AS reason, %(worker)s AS actor,
            jsonb_build_object('valid_from', first_from, 'valid_until', first_until,
              'convention', 'BENCH-STATS-' || lpad(c::text, 5, '0')) AS detail
            FROM bs_pass
          UNION ALL SELECT id, 'renew', {_local("renew_day", "10:30")}, '', %(worker)s,
            jsonb_build_object('previous_valid_until', first_until, 'valid_from', valid_from,
              'valid_until', valid_until, 'convention', 'BENCH-STATS-' || lpad(c::text, 5, '0'))
            FROM bs_pass WHERE renew_day IS NOT NULL
          UNION ALL SELECT id, 'suspend', {_local("suspend_day", "10:00")}, 'Enquête en cours',
            %(worker)s, '{{}}' FROM bs_pass WHERE suspend_day IS NOT NULL
          UNION ALL SELECT id, 'resume', {_local("resume_day", "15:00")}, 'Situation régularisée',
            %(worker)s, '{{}}' FROM bs_pass WHERE resume_day IS NOT NULL
          UNION ALL SELECT id, 'revoke', {_local("revoke_day", "11:00")},
            'Déménagement hors de la commune', %(worker)s, '{{}}'
            FROM bs_pass WHERE revoke_day IS NOT NULL
          UNION ALL SELECT id, 'expire', {_local("expire_day", "02:00")}, '', NULL, '{{}}'
            FROM bs_pass WHERE expire_day IS NOT NULL
        ) e
        ORDER BY at, id
        """,
    ),
    (
        "",
        """
        INSERT INTO bench_stats_due (pass_id) SELECT id FROM bs_pass WHERE due
        """,
    ),
)
