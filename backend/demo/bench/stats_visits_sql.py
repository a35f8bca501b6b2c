"""The statistics benchmark's visits, vouchers, sales and parcels, as set-based SQL.

Visits come from the passes (`bs_pass`, `demo.bench.stats_sql`): each pass gets a
number of visits in proportion to its days of validity within the twelve months and
to its household's habits, most at one of its convention's services, some at
another, on weekdays and Saturdays between 9:00 and 17:00. They are numbered in
time order and written in that order, as a counter appends them. Then a voucher for
each visit made with one (a meal ticket at a restaurant, a referral at a vestiaire),
a sale for most accepted visits at a shop, a parcel with its lines for most at a
food-aid point, and a few same-day corrections of each.
"""

# ruff: noqa: S608  (statements assembled from constants of this module; every value is a parameter)

from __future__ import annotations

from demo.bench.stats_sql import _ANSWER_KIND, _ANSWER_PERIOD, _local, pick, u

# How the visits turn out: accepted, then the refusals by cumulative share.
ACCEPTED = 0.9
VOUCHER_ACCEPTED = 0.95
# Of the visits at a restaurant or a vestiaire, those made with a voucher instead of a card.
VOUCHER_SHARE = 0.15
UNDONE_SHARE = 0.003

_REFUSAL = f"""CASE
  WHEN accepted THEN ''
  WHEN voucher THEN 'voucher_expired'
  WHEN why < 0.40 THEN CASE kind WHEN 'food_aid' THEN 'parcel_already_given'
    WHEN 'restaurant' THEN 'no_meals_left' ELSE 'already_served' END
  WHEN why < 0.55 THEN 'quota_used_up'
  WHEN why < 0.68 THEN 'counter_closed'
  WHEN why < 0.76 THEN 'expired'
  WHEN why < 0.82 THEN 'replaced'
  WHEN why < 0.86 THEN 'suspended'
  WHEN why < 0.89 THEN 'not_yet_valid'
  WHEN why < 0.91 THEN 'convention_ended'
  WHEN why < 0.95 THEN CASE WHEN kind IN ('shop', 'coop', 'other') THEN 'cap_reached'
    ELSE 'quota_used_up' END
  ELSE (ARRAY['unknown_code', 'bad_signature', 'malformed'])[1 + {pick("key", 65, 3)}]
END"""

VISITS = (
    (
        "",
        """
        CREATE TEMP TABLE bs_vis AS
        SELECT p.id AS pass_id, p.household_id, p.partner_id, p.c, h.size, h.f, p.lo,
          p.hi - p.lo + 1 AS days, k.k
        FROM (SELECT p.*, GREATEST(p.first_from, %(w0)s::date) AS lo,
                LEAST(p.valid_until, %(we)s::date - 1,
                  COALESCE(p.revoke_day - 1, %(we)s::date - 1),
                  CASE WHEN p.status = 'suspended' THEN p.suspend_day - 1 ELSE %(we)s::date - 1 END
                ) AS hi
              FROM bs_pass p) p
        JOIN bs_hh h ON h.id = p.household_id
        JOIN (SELECT DISTINCT c, k FROM bs_cs) k ON k.c = p.c
        WHERE p.hi >= p.lo
        """,
    ),
)

# %(rate)s: visits per day of validity for a household of habits 1, so that the
# total comes to the size's visits (demo.bench.stats reads it from bs_vis).
VISITS_STAGED = (
    (
        "",
        f"""
        CREATE TEMP TABLE bs_visit AS
        WITH gen AS (
          SELECT s.pass_id, s.household_id, s.partner_id, s.c, s.size, s.k, s.lo, s.days,
            s.pass_id * 4096 + n AS key
          FROM bs_vis s,
            generate_series(1, floor(s.days * s.f * %(rate)s + {u("s.pass_id", 60)})::int) n
        ), placed AS (
          SELECT gen.*, lo + {pick("key", 61, "days")} AS day0,
            CASE WHEN {u("key", 62)} < 0.75 THEN {pick("pass_id", 63, "k")}
              ELSE {pick("key", 64, "k")} END AS j
          FROM gen
        ), v AS (
          SELECT p.key, p.pass_id, p.household_id, p.partner_id, p.size, cs.service_id, cs.kind,
            d.day, {_local("d.day", "09:00")} + {pick("p.key", 66, 28800)} * interval '1 second'
              AS at,
            cs.kind IN ('restaurant', 'vestiaire') AND {u("p.key", 67)} < %(voucher_share)s
              AS voucher,
            {u("p.key", 68)} AS ok, {u("p.key", 69)} AS why
          FROM placed p
          -- Counters are closed on Sundays: the visit was on a day of the week before.
          CROSS JOIN LATERAL (SELECT CASE WHEN extract(isodow FROM p.day0) <> 7 THEN p.day0
            WHEN p.day0 - 6 >= p.lo THEN p.day0 - 1 - {pick("p.key", 59, 6)}
            ELSE p.day0 + 1 END AS day) d
          JOIN bs_cs cs ON cs.c = p.c AND cs.j = p.j
        ), judged AS (
          SELECT v.*, CASE WHEN voucher THEN ok < %(voucher_accepted)s ELSE ok < %(accepted)s END
            AS accepted
          FROM v
        ), reasoned AS (
          SELECT judged.*, {_REFUSAL} AS reason FROM judged
        )
        SELECT row_number() OVER w AS n,
          CASE WHEN voucher THEN count(*) FILTER (WHERE voucher) OVER w END AS voucher_n,
          key, household_id, partner_id, size, service_id, kind, day, at, accepted, reason,
          voucher, CASE WHEN voucher OR why >= 0.95 AND NOT accepted THEN NULL ELSE pass_id END
            AS pass_id,
          accepted AND NOT voucher AND {u("key", 70)} < %(undone_share)s AS undone,
          CASE WHEN accepted AND kind = 'restaurant' AND NOT voucher
            THEN 1 + {pick("key", 71, "size")} ELSE 1 END AS units,
          CASE WHEN accepted AND kind = 'other' THEN 500 + {pick("key", 72, 4500)} END
            AS amount_cents
        FROM reasoned
        WINDOW w AS (ORDER BY at, key ROWS UNBOUNDED PRECEDING)
        """,
    ),
    (
        "vouchers",
        f"""
        INSERT INTO passes_voucher (id, kind, covers, valid_from, valid_until, human_code, batch,
          issued_at, used_at, revoked_at, revoke_reason, household_id, issued_by_id, partner_id,
          service_id, used_service_id)
        SELECT %(voucher_base)s + voucher_n,
          CASE WHEN kind = 'restaurant' THEN 'meal' ELSE 'referral' END,
          CASE WHEN kind = 'restaurant' THEN '' ELSE 'Vêtements pour ' || size || ' personnes' END,
          valid_from, valid_until, 'BS' || lpad(voucher_n::text, 10, '0'), NULL,
          {_local("valid_from", "08:00")}, CASE WHEN accepted THEN at END, NULL, '',
          household_id, %(worker)s, partner_id, service_id,
          CASE WHEN accepted THEN service_id END
        FROM (SELECT b.*,
                CASE WHEN accepted THEN day - {pick("key", 73, 10)}
                  ELSE day - 15 - {pick("key", 73, 10)} END AS valid_from,
                CASE WHEN accepted THEN day + {pick("key", 74, 20)}
                  ELSE day - 1 - {pick("key", 74, 5)} END AS valid_until
              FROM bs_visit b WHERE voucher) x
        ORDER BY voucher_n
        """,
    ),
    (
        # bs_visit holds the visits in the order of `n` (a fresh temporary table is read in
        # the order it was written): they go in without sorting them again.
        "visits",
        f"""
        INSERT INTO counter_visit (id, card_version, at, accepted, reason, idempotency_key,
          undone_at, undo_reason, answer, access_pass_id, recorded_by_id, service_id, undone_by_id,
          units, voucher_id, amount_cents, reference)
        SELECT %(visit_base)s + n, CASE WHEN pass_id IS NOT NULL THEN 1 END, at, accepted, reason,
          'bs-' || key, CASE WHEN undone THEN at + interval '3 minutes' END,
          CASE WHEN undone THEN 'Carte scannée par erreur' ELSE '' END,
          jsonb_build_object(
            'household_size', CASE WHEN pass_id IS NOT NULL THEN size END,
            'allowances', CASE WHEN pass_id IS NULL THEN '[]'::jsonb ELSE jsonb_build_array(
              jsonb_build_object('kind', {_ANSWER_KIND}, 'period', {_ANSWER_PERIOD},
                'quantity', 1, 'used', CASE WHEN accepted THEN 1 ELSE 0 END,
                'budget_cents', NULL, 'next_on', NULL, 'amounts', NULL)) END,
            'exhausted', NULL, 'last_accepted_at', NULL, 'next_session', NULL, 'voucher', NULL),
          pass_id, %(volunteer)s, service_id, CASE WHEN undone THEN %(volunteer)s END, units,
          CASE WHEN voucher THEN %(voucher_base)s + voucher_n END, amount_cents,
          CASE WHEN amount_cents IS NOT NULL THEN 'R' || n ELSE '' END
        FROM bs_visit
        """,
    ),
)

SALES = (
    (
        "",
        f"""
        CREATE TEMP TABLE bs_sale AS
        SELECT row_number() OVER (ORDER BY n) AS s, %(visit_base)s + n AS visit_id, pass_id,
          service_id, key, at + (3 + {pick("key", 80, 12)}) * interval '1 minute' AS at,
          round((8 + 72 * {u("key", 81)})::numeric, 2) AS market,
          (0.2 + 0.3 * {u("key", 82)})::numeric AS share,
          CASE WHEN {u("key", 83)} < 0.05 THEN 'none' WHEN {u("key", 83)} < 0.45 THEN 'cash'
            WHEN {u("key", 83)} < 0.95 THEN 'card' ELSE 'other' END AS payment
        FROM bs_visit
        WHERE kind IN ('shop', 'coop') AND accepted AND NOT undone AND pass_id IS NOT NULL
          AND {u("key", 84)} < 0.95
        """,
    ),
    (
        "sales",
        """
        INSERT INTO shop_sale (id, at, market_total, amount_due, amount_paid, payment, tendered,
          reason, access_pass_id, basket_id, corrects_id, service_id, sold_by_id, visit_id)
        SELECT %(sale_base)s + s, at, market, due, paid, payment,
          CASE WHEN payment = 'cash' THEN ceil(paid / 5) * 5 END, '', pass_id, NULL, NULL,
          service_id, %(volunteer)s, visit_id
        FROM (SELECT d.*, CASE WHEN payment = 'cash' THEN round(due * 20) / 20 ELSE due END AS paid
              FROM (SELECT b.*, CASE WHEN payment = 'none' THEN 0 ELSE round(market * share, 2)
                      END AS due
                    FROM bs_sale b) d) x
        ORDER BY s
        """,
    ),
    (
        "sales corrected the same day",
        f"""
        INSERT INTO shop_sale (id, at, market_total, amount_due, amount_paid, payment, tendered,
          reason, access_pass_id, basket_id, corrects_id, service_id, sold_by_id, visit_id)
        SELECT %(sale_base)s + %(sales)s + row_number() OVER (ORDER BY s),
          at + interval '25 minutes', -part, -due, -due, payment, NULL, 'Article rendu', pass_id,
          NULL, %(sale_base)s + s, service_id, %(volunteer)s, visit_id
        FROM (SELECT b.*, round(market * (0.1 + 0.4 * {u("key", 85)})::numeric, 2) AS part,
                CASE WHEN payment = 'none' THEN 0
                  ELSE round(market * (0.1 + 0.4 * {u("key", 85)})::numeric * share, 2) END AS due
              FROM bs_sale b WHERE {u("key", 86)} < 0.01) x
        """,
    ),
)

PARCELS = (
    (
        "",
        f"""
        CREATE TEMP TABLE bs_parcel AS
        SELECT row_number() OVER (ORDER BY n) AS d, %(visit_base)s + n AS visit_id, pass_id,
          household_id, service_id, key,
          at + (2 + {pick("key", 90, 8)}) * interval '1 minute' AS at,
          3 + {pick("key", 91, 6)} AS lines, {pick("key", 92, "%(products)s")} AS first_product
        FROM bs_visit
        WHERE kind = 'food_aid' AND accepted AND NOT undone AND pass_id IS NOT NULL
          AND {u("key", 93)} < 0.98
        """,
    ),
    (
        "",
        f"""
        CREATE TEMP TABLE bs_pline AS
        SELECT d, j, product_id, lot_id, eu, price, quantity, round(quantity * price, 2) AS value
        FROM (SELECT p.d, j, pr.id AS product_id, l.id AS lot_id, l.origin = 'eu_food_aid' AS eu,
                pr.market_price AS price,
                CASE WHEN pr.unit = 'piece' THEN (1 + {pick("p.key * 8 + j", 94, 4)})::numeric
                  ELSE round((0.5 + 2.5 * {u("p.key * 8 + j", 95)})::numeric, 3) END AS quantity
              FROM bs_parcel p
              CROSS JOIN generate_series(0, 7) j
              JOIN shop_product pr
                ON pr.id = %(product_base)s + 1 + mod(p.first_product + j, %(products)s)
              JOIN shop_lot l ON l.service_id = p.service_id AND l.product_id = pr.id
              WHERE j < p.lines) x
        """,
    ),
    (
        "parcels",
        """
        INSERT INTO foodaid_distribution (id, at, reason, market_total, persons, children, seniors,
          women, with_disability, foreign_background, homeless, access_pass_id, corrects_id,
          given_by_id, service_id, visit_id, template_id)
        SELECT %(dist_base)s + p.d, p.at, '', t.total, s.persons,
          s.member_children + CASE WHEN extract(year FROM p.at)::int - s.birth_year
            <= %(child_max_age)s THEN 1 ELSE 0 END,
          s.member_seniors + CASE WHEN extract(year FROM p.at)::int - s.birth_year
            >= %(senior_min_age)s THEN 1 ELSE 0 END,
          s.women, s.with_disability, s.foreign_background, s.homeless, p.pass_id, NULL,
          %(volunteer)s, p.service_id, p.visit_id, NULL
        FROM bs_parcel p
        JOIN (SELECT d, SUM(value) AS total FROM bs_pline GROUP BY d) t ON t.d = p.d
        JOIN bs_persons s ON s.household_id = p.household_id
        ORDER BY p.d
        """,
    ),
    (
        "parcel lines",
        """
        INSERT INTO foodaid_distributionline (quantity, market_unit_price, market_value,
          eu_food_aid, distribution_id, lot_id, product_id, substitutes_id)
        SELECT quantity, price, value, eu, %(dist_base)s + d, lot_id, product_id, NULL
        FROM bs_pline ORDER BY d, j
        """,
    ),
    (
        "",
        f"""
        CREATE TEMP TABLE bs_pfix AS
        SELECT %(dist_base)s + %(parcels)s + row_number() OVER (ORDER BY p.d) AS id,
          %(dist_base)s + p.d AS corrects, p.at + interval '20 minutes' AS at, p.pass_id,
          p.service_id, p.visit_id, l.quantity, l.price, l.value, l.eu, l.lot_id, l.product_id
        FROM bs_parcel p JOIN bs_pline l ON l.d = p.d AND l.j = 0
        WHERE {u("p.key", 96)} < 0.01
        """,
    ),
    (
        "parcels corrected the same day",
        """
        INSERT INTO foodaid_distribution (id, at, reason, market_total, persons, children, seniors,
          women, with_disability, foreign_background, homeless, access_pass_id, corrects_id,
          given_by_id, service_id, visit_id, template_id)
        SELECT id, at, 'Produit rendu', -value, 0, 0, 0, 0, 0, 0, 0, pass_id, corrects,
          %(volunteer)s, service_id, visit_id, NULL
        FROM bs_pfix ORDER BY id
        """,
    ),
    (
        "",
        """
        INSERT INTO foodaid_distributionline (quantity, market_unit_price, market_value,
          eu_food_aid, distribution_id, lot_id, product_id, substitutes_id)
        SELECT -quantity, price, -value, eu, id, lot_id, product_id, NULL FROM bs_pfix ORDER BY id
        """,
    ),
)
