-- Reads entries of the readers' cache (count_view.lua comes first) and says, for each, whether it is current.
--
-- An entry is two keys: its head, "<head>\n<tag>=<version> <tag>=<version>...", small, and its
-- payload under "<entry key>@<head>". It is current while every tag it names still has the
-- version it was stored with (a change gives the tag a new one). The payload, tens of kilobytes
-- for a page, is read only when the caller's own copy is not the stored one, so checking a page
-- costs a few hundred bytes however big the page is. (The payload's key is made here from the
-- entry's: the readers' cache runs on one Redis, never a cluster.)
--
-- First, changes that come by the clock: the sorted set of tags due to be made stale at a
-- time (a scheduled story appearing in the lists) is read, and what is due is made stale now,
-- before anything is checked: the first reader after the time sees the story.
--
-- KEYS: the clock, the entries [, the reader's seen mark, the article's view counter].
-- ARGV: the number of entries n, the prefix of tag keys, when to count the view ("" never,
--       "first" when the first entry is current, "always"), the seen mark's lifetime in
--       seconds, for each entry the head of the caller's own copy ("" if none), then the key
--       of the due tags.
-- Returns the clock, then for each entry its state (0 missing, 1 current, 2 stale), its head
-- line and its payload (false when missing or when the caller's copy is the stored one), then
-- 1 when the view was counted, 2 when this reader's view was already counted, 0 when nothing
-- was, then the tags made stale by the clock (space-separated, false if none).

local n = tonumber(ARGV[1])
local tag_prefix = ARGV[2]
local due_key = ARGV[5 + n]
local made_stale = false
local time = redis.call('TIME')
local now = tonumber(time[1]) + tonumber(time[2]) / 1000000  -- to the microsecond
local due = redis.call('ZRANGEBYSCORE', due_key, '-inf', now)
if #due > 0 then
    redis.call('INCR', KEYS[1])  -- the clock first, then the tags (store.py)
    local names = {}
    for _, member in ipairs(due) do
        local first = true
        for name in string.gmatch(member, '%S+') do
            if not first then  -- a member is "<its time> <tag> <tag>..."
                redis.call('INCR', tag_prefix .. name)
                names[#names + 1] = name
            end
            first = false
        end
    end
    redis.call('ZREMRANGEBYSCORE', due_key, '-inf', now)
    made_stale = table.concat(names, ' ')
end

local result = {redis.call('GET', KEYS[1]) or false}
local first_current = false

for i = 1, n do
    local line = redis.call('GET', KEYS[i + 1])
    local state, head_line, payload = 0, false, false
    if line then
        local head_end = string.find(line, '\n', 1, true)
        if head_end then
            local head = string.sub(line, 1, head_end - 1)
            local names, versions = {}, {}
            for name, version in string.gmatch(string.sub(line, head_end + 1), '([^ =]+)=([^ ]+)') do
                names[#names + 1] = tag_prefix .. name
                versions[#versions + 1] = version
            end
            state = 1
            if #names > 0 then
                local now = redis.call('MGET', unpack(names))
                for t = 1, #names do
                    if now[t] ~= versions[t] then
                        state = 2
                        break
                    end
                end
            end
            head_line = line
            if head ~= ARGV[4 + i] then
                payload = redis.call('GET', KEYS[i + 1] .. '@' .. head)
                if not payload then  -- the payload expired first: as if missing
                    state, head_line = 0, false
                end
            end
        end
    end
    if i == 1 then
        first_current = state == 1
    end
    result[#result + 1] = state
    result[#result + 1] = head_line
    result[#result + 1] = payload
end

local counted = 0
if #KEYS == n + 3 and (ARGV[3] == 'always' or (ARGV[3] == 'first' and first_current)) then
    counted = count_view(KEYS[n + 2], KEYS[n + 3], ARGV[4])
end
result[#result + 1] = counted
result[#result + 1] = made_stale
return result
