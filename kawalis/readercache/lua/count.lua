-- Counts a reader's view (count_view.lua comes first).
-- KEYS: the seen mark, the view counter. ARGV: the mark's lifetime in seconds.
return count_view(KEYS[1], KEYS[2], ARGV[1])
