-- The one rule for counting a reader's view of an article, put before the scripts that count
-- (read.lua, count.lua): set the reader's "seen" mark if it is absent, and only then add one to
-- the article's counter. 1 when the view was counted, 2 when this reader's view already was.
local function count_view(seen, counter, lifetime)
    if redis.call('SET', seen, 1, 'NX', 'EX', tonumber(lifetime)) then
        redis.call('INCR', counter)
        return 1
    end
    return 2
end
