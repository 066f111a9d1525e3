// The consumer's D1 statements. INSERT_EVENTS takes one parameter: a JSON
// array of validated events, read with json_each (D1 allows at most 100
// bound parameters per statement; one JSON parameter carries a whole chunk).

export const INSERT_EVENTS = `INSERT OR IGNORE INTO events
  (id, type, ts, day, received, placement, anchor, item, rule, rank, variant, blob, price, qty, currency, order_id, visitor, counted)
  SELECT json_extract(value, '$.id'), json_extract(value, '$.type'), json_extract(value, '$.ts'), json_extract(value, '$.day'),
    json_extract(value, '$.received'), json_extract(value, '$.placement'), json_extract(value, '$.anchor'), json_extract(value, '$.item'),
    json_extract(value, '$.rule'), json_extract(value, '$.rank'), json_extract(value, '$.variant'), json_extract(value, '$.blob'),
    json_extract(value, '$.price'), json_extract(value, '$.qty'), json_extract(value, '$.currency'), json_extract(value, '$.order'),
    json_extract(value, '$.visitor'), 0
  FROM json_each(?1)`;

// Aggregates grow by the events not yet counted (events.counted = 0: those
// the INSERTs above just added; a duplicate is ignored there and never
// counted twice), and COUNT_EVENTS marks them counted. The consumer runs
// all of it in one D1 batch, a transaction: a failure leaves nothing done
// and the redelivered batch does it all, so every event is added once, and
// a batch reads the rows it inserted, not its keys' whole days again. ?1 is
// the retention cutoff day: an event of an earlier day (a late or replayed
// one, whose day retention may have emptied) is marked counted without
// being added, and that day keeps the aggregates it has.
export const AGG_PAIR = `INSERT INTO agg_pair (day, anchor, item, shown, clicked, added, bought, dismissed)
  SELECT day, anchor, item, sum(type = 'impression'), sum(type = 'click'), sum(type = 'add'), sum(type = 'purchase'), sum(type = 'dismiss')
  FROM events
  WHERE counted = 0 AND (type != 'purchase' OR rule != '') AND day >= ?1
  GROUP BY day, anchor, item
  ON CONFLICT (day, anchor, item) DO UPDATE SET shown = shown + excluded.shown, clicked = clicked + excluded.clicked,
    added = added + excluded.added, bought = bought + excluded.bought, dismissed = dismissed + excluded.dismissed`;
export const AGG_RULE = `INSERT INTO agg_rule (day, rule, placement, variant, impressions, clicks, adds, purchases, dismissals, revenue)
  SELECT day, rule, placement, variant, sum(type = 'impression'), sum(type = 'click'), sum(type = 'add'), sum(type = 'purchase'),
    sum(type = 'dismiss'), total(CASE WHEN type = 'purchase' THEN price * qty END)
  FROM events
  WHERE counted = 0 AND (type != 'purchase' OR rule != '') AND day >= ?1
  GROUP BY day, rule, placement, variant
  ON CONFLICT (day, rule, placement, variant) DO UPDATE SET impressions = impressions + excluded.impressions,
    clicks = clicks + excluded.clicks, adds = adds + excluded.adds, purchases = purchases + excluded.purchases,
    dismissals = dismissals + excluded.dismissals, revenue = revenue + excluded.revenue`;
export const AGG_ORDER = `INSERT INTO agg_order (order_id, variant, day, value, items, accepted)
  SELECT order_id, max(variant), min(day), total(price * qty), sum(qty), max(rule != '')
  FROM events
  WHERE counted = 0 AND type = 'purchase' AND day >= ?1 AND order_id != ''
  GROUP BY order_id
  ON CONFLICT (order_id) DO UPDATE SET variant = max(variant, excluded.variant), day = min(day, excluded.day),
    value = value + excluded.value, items = items + excluded.items, accepted = max(accepted, excluded.accepted)`;
export const COUNT_EVENTS = 'UPDATE events SET counted = 1 WHERE counted = 0';
