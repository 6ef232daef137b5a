-- Reads entries of the readers' cache (count_view.lua comes first) and says, for each, whether it is current.
--
-- An entry is "<head>\n<tag>=<version> <tag>=<version>...\n<payload>": it is current while every
-- tag it names still has the version it was stored with (a change gives the tag a new one).
--
-- KEYS: the clock, the entries [, the reader's seen mark, the article's view counter].
-- ARGV: the number of entries n, the prefix of tag keys, when to count the view ("" never,
--       "first" when the first entry is current, "always"), the seen mark's lifetime in
--       seconds, then for each entry the head of the caller's own copy ("" if none).
-- Returns the clock, then for each entry its state (0 missing, 1 current, 2 stale) and its
-- bytes (false when missing or when the caller's copy is the stored one), then 1 when the view
-- was counted, 2 when this reader's view was already counted, 0 when nothing was counted.

local n = tonumber(ARGV[1])
local tag_prefix = ARGV[2]
local result = {redis.call('GET', KEYS[1]) or false}
local first_current = false

for i = 1, n do
    local entry = redis.call('GET', KEYS[i + 1])
    local state, bytes = 0, false
    if entry then
        local head_end = string.find(entry, '\n', 1, true)
        local tags_end = head_end and string.find(entry, '\n', head_end + 1, true)
        if tags_end then
            state = 1
            for name, version in string.gmatch(string.sub(entry, head_end + 1, tags_end - 1), '([^ =]+)=([^ ]+)') do
                if redis.call('GET', tag_prefix .. name) ~= version then
                    state = 2
                    break
                end
            end
            if string.sub(entry, 1, head_end - 1) ~= ARGV[4 + i] then
                bytes = entry
            end
        end
    end
    if i == 1 then
        first_current = state == 1
    end
    result[#result + 1] = state
    result[#result + 1] = bytes
end

local counted = 0
if #KEYS == n + 3 and (ARGV[3] == 'always' or (ARGV[3] == 'first' and first_current)) then
    counted = count_view(KEYS[n + 2], KEYS[n + 3], ARGV[4])
end
result[#result + 1] = counted
return result
