"""Camera credentials at rest: sealed with the site's keys (`keys`), read and written through
the unit of work that carries the keys (`store`), re-sealed under a new key (`rotation`)."""
