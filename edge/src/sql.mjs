// The consumer's D1 statements. Each takes one parameter: a JSON array of
// validated events, read with json_each (D1 allows at most 100 bound
// parameters per statement; one JSON parameter carries a whole chunk).

export const INSERT_EVENTS = `INSERT OR IGNORE INTO events
  (id, type, ts, day, received, placement, anchor, item, rule, rank, variant, blob, price, qty, currency, order_id, visitor)
  SELECT json_extract(value, '$.id'), json_extract(value, '$.type'), json_extract(value, '$.ts'), json_extract(value, '$.day'),
    json_extract(value, '$.received'), json_extract(value, '$.placement'), json_extract(value, '$.anchor'), json_extract(value, '$.item'),
    json_extract(value, '$.rule'), json_extract(value, '$.rank'), json_extract(value, '$.variant'), json_extract(value, '$.blob'),
    json_extract(value, '$.price'), json_extract(value, '$.qty'), json_extract(value, '$.currency'), json_extract(value, '$.order'),
    json_extract(value, '$.visitor')
  FROM json_each(?1)`;

// Aggregates are recomputed from the events for the keys a chunk touches:
// idempotent (a retry writes the same numbers) and exact under concurrency
// (the last recompute of a key sees every event inserted before it). ?2 is
// the retention cutoff day: a day whose raw events retention may have
// deleted keeps the aggregates it has (a late or replayed event of such a
// day must not recompute them from what is left).
export const AGG_PAIR = `INSERT OR REPLACE INTO agg_pair (day, anchor, item, shown, clicked, added, bought, dismissed)
  SELECT day, anchor, item, sum(type = 'impression'), sum(type = 'click'), sum(type = 'add'), sum(type = 'purchase'), sum(type = 'dismiss')
  FROM events
  WHERE (type != 'purchase' OR rule != '') AND day >= ?2
    AND (day, anchor, item) IN (SELECT json_extract(value, '$.day'), json_extract(value, '$.anchor'), json_extract(value, '$.item') FROM json_each(?1))
  GROUP BY day, anchor, item`;
export const AGG_RULE = `INSERT OR REPLACE INTO agg_rule (day, rule, placement, variant, impressions, clicks, adds, purchases, dismissals, revenue)
  SELECT day, rule, placement, variant, sum(type = 'impression'), sum(type = 'click'), sum(type = 'add'), sum(type = 'purchase'),
    sum(type = 'dismiss'), total(CASE WHEN type = 'purchase' THEN price * qty END)
  FROM events
  WHERE (type != 'purchase' OR rule != '') AND day >= ?2
    AND (day, rule, placement, variant) IN (SELECT json_extract(value, '$.day'), json_extract(value, '$.rule'), json_extract(value, '$.placement'), json_extract(value, '$.variant') FROM json_each(?1))
  GROUP BY day, rule, placement, variant`;
export const AGG_ORDER = `INSERT OR REPLACE INTO agg_order (order_id, variant, day, value, items, accepted)
  SELECT order_id, max(variant), min(day), total(price * qty), sum(qty), max(rule != '')
  FROM events
  WHERE type = 'purchase' AND day >= ?2
    AND order_id IN (SELECT json_extract(value, '$.order') FROM json_each(?1) WHERE json_extract(value, '$.type') = 'purchase')
  GROUP BY order_id`;
